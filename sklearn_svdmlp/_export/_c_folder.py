"""A folder that embedded build systems take as a library: models, runtime, manifests.

``src/`` holds every model's ``<name>.h`` and ``<name>.c`` and one copy of
the runtime; ``CMakeLists.txt`` (a static library), PlatformIO's
``library.json`` and the Arduino IDE's ``library.properties`` (the 1.5
format, sources under ``src/``) describe the folder. The CMake list is
written again from the ``.c`` files in ``src/`` each time a model is added,
so that models exported one after another into one folder build together.
"""

import json
import shutil

LIBRARY = "svdmlp-models"
TARGET = "svdmlp_models"
VERSION = "1.0.0"
DESCRIPTION = (
    "Compressed neural networks exported by sklearn-svdmlp: each model's "
    "header and C file, and the runtime they compute with."
)
RUNTIME_FILES = ("svdmlp.h", "svdmlp.c")


def _cmake(sources):
    listed = "".join(f"\n    src/{source}" for source in sources)
    return (
        "# Written by sklearn-svdmlp's export_c: every model in src/ and the runtime.\n"
        "cmake_minimum_required(VERSION 3.13)\n"
        f"project({TARGET} C)\n\n"
        f"add_library({TARGET} STATIC{listed}\n)\n"
        f"target_include_directories({TARGET}\n"
        "    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)\n"
        f"set_target_properties({TARGET} PROPERTIES C_STANDARD 99)\n"
        "# The float functions call expf and tanhf; integer-only ones need nothing.\n"
        f"if(NOT WIN32)\n    target_link_libraries({TARGET} PUBLIC m)\nendif()\n"
    )


def _library_json(headers):
    return json.dumps(
        {
            "name": LIBRARY,
            "version": VERSION,
            "description": DESCRIPTION,
            "keywords": ["machine learning", "neural network", "tinyml"],
            "frameworks": "*",
            "platforms": "*",
            "headers": headers,
            "build": {"srcDir": "src", "includeDir": "src"},
        },
        indent=2,
    )


def _library_properties(headers):
    fields = {
        "name": LIBRARY,
        "version": VERSION,
        "author": "sklearn-svdmlp export_c",
        "maintainer": "sklearn-svdmlp export_c",
        "sentence": "Compressed neural networks exported by sklearn-svdmlp.",
        "paragraph": DESCRIPTION,
        "category": "Data Processing",
        "url": "https://pypi.org/project/sklearn-svdmlp/",
        "architectures": "*",
        "includes": ",".join(headers),
    }
    return "".join(f"{key}={value}\n" for key, value in fields.items())


def write_folder(folder, name, header, source, runtime_dir):
    """Write the model ``name`` into the library ``folder``; the paths written.

    Returns a dict of each file's name in the folder (``"src/<name>.h"``)
    to its path.
    """
    if f"{name.lower()}.h" in RUNTIME_FILES:
        # Its header, or its include guard (SVDMLP_H), would be the runtime's.
        raise ValueError(
            f"name={name!r} would write src/{name}.h over the runtime's header "
            "in the folder; choose another name."
        )
    src = folder / "src"
    src.mkdir(parents=True, exist_ok=True)
    paths = {}
    for file_name, text in [(f"{name}.h", header), (f"{name}.c", source)]:
        paths[f"src/{file_name}"] = src / file_name
        (src / file_name).write_text(text)
    for file_name in RUNTIME_FILES:
        paths[f"src/{file_name}"] = src / file_name
        shutil.copyfile(runtime_dir / file_name, src / file_name)
    sources = sorted(path.name for path in src.glob("*.c"))
    headers = [
        path.name for path in sorted(src.glob("*.h")) if path.name not in RUNTIME_FILES
    ]
    manifests = {
        "CMakeLists.txt": _cmake(sources),
        "library.json": _library_json(headers) + "\n",
        "library.properties": _library_properties(headers),
    }
    for file_name, text in manifests.items():
        paths[file_name] = folder / file_name
        (folder / file_name).write_text(text)
    return dict(sorted(paths.items()))
