"""A fitted estimator's saved state, packed flat: one JSON text, one byte array.

A fitted model holds a hundred or more small objects: the compressed
network's layers and their arrays, its output rule, the summary's rows, its
parameters (the network's among them). skops writes one node of its
(indented) JSON schema per object and one file per array: issue 29's model
(``n_bytes_`` 6,616) made a file of 73,977 bytes (``benchmarks/saved_size.py``
now measures 14,067). :func:`packed` turns the state into one entry: a
version, a compact JSON text of its structure, every numeric array's bytes
in one ``uint8`` array, and a list of the objects it does not take apart
(fitted scikit-learn estimators such as a head, arrays of objects,
callables), saved as pickle or skops saves them. :func:`unpacked` rebuilds the state.

Only these types are rebuilt from the text: Python's plain values,
NumPy arrays and scalars of numeric, boolean or text dtypes, this package's
network classes (``_REBUILT``, made without running their constructor, their
attributes set) and the unfitted estimators of ``_CONSTRUCTED`` (made from
their parameters). skops therefore asks the user to trust only the
estimator's own class.
"""

import json

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier, MLPRegressor

import sklearn_svdmlp._network as network

# The classes rebuilt from their attributes: the fitted network's parts.
_REBUILT = {
    name: getattr(network, name)
    for name in (
        "CompressedNetwork",
        "DenseLayer",
        "FactoredLayer",
        "InputSelection",
        "IntegerLayer",
        "IntegerNetwork",
        "IntegerStep",
        "OutputSpec",
        "QuantizedLayer",
    )
}
# The estimators rebuilt from their parameters when unfitted: the network a
# fitted model keeps in its ``estimator`` parameter, saved without weights.
_CONSTRUCTED = {
    cls.__name__: cls for cls in (FrozenEstimator, MLPClassifier, MLPRegressor)
}
# The key that marks a packed state, and its version.
_KEY = "_svdmlp_saved_state"
_VERSION = 1
# Every array starts at a multiple of this in the byte array.
_ALIGNMENT = 8


def packed(state):
    """``state`` (a dict of attributes) as ``{_KEY: text, arrays, objects}``.

    Examples
    --------
    >>> import numpy as np
    >>> state = {"rank": (8, None), "weights": [np.eye(2)], "name": "a"}
    >>> saved = packed(state)
    >>> sorted(saved)
    ['_svdmlp_saved_state']
    >>> text, data, objects = saved["_svdmlp_saved_state"][1:]
    >>> data.dtype, data.size, objects
    (dtype('uint8'), 32, [])
    >>> unpacked(saved)["rank"]
    (8, None)
    """
    packer = _Packer()
    text = json.dumps(packer.encode(state), separators=(",", ":"))
    data = np.frombuffer(b"".join(packer.chunks), dtype=np.uint8).copy()
    return {_KEY: [_VERSION, text, data, packer.objects]}


def unpacked(state):
    """The state :func:`packed` made ``state`` from; any other state as it is.

    Examples
    --------
    >>> import numpy as np
    >>> state = {"scales": np.float32(0.5), "table": [("dense", 4)]}
    >>> unpacked(packed(state)) == state
    True
    >>> unpacked({"rank": 8})
    {'rank': 8}
    """
    if set(state) != {_KEY}:
        return state
    version, text, data, objects = state[_KEY]
    if version != _VERSION:
        raise ValueError(
            f"This model was saved by a newer sklearn-svdmlp (saved state "
            f"version {version}; this one reads version {_VERSION}): upgrade "
            "sklearn-svdmlp to load it."
        )
    return _Unpacker(np.asarray(data, dtype=np.uint8), objects).decode(json.loads(text))


def _is_plain_array(value):
    return isinstance(value, np.ndarray | np.generic) and not value.dtype.hasobject


class _Packer:
    """Encodes values as JSON, arrays' bytes in ``chunks``, others in ``objects``.

    An array or object met twice is encoded once and referred to after.
    """

    def __init__(self):
        self.chunks = []
        self.size = 0
        self.objects = []
        self.seen = {}  # id -> reference of the arrays and objects encoded

    def encode(self, value):
        kind = type(value)
        if value is None or kind in (bool, int, float, str):
            return value
        if kind is list:
            return [self.encode(item) for item in value]
        if kind is tuple:
            return {"t": [self.encode(item) for item in value]}
        if kind is dict:
            if all(type(key) is str for key in value):
                return {"d": {key: self.encode(item) for key, item in value.items()}}
            return {"D": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, np.generic) and _is_plain_array(value):
            return {"s": self._bytes(np.asarray(value))}
        if id(value) in self.seen:
            return {"r": self.seen[id(value)]}
        self.seen[id(value)] = len(self.seen)
        if kind is np.ndarray and _is_plain_array(value):
            return {"a": self._bytes(value)}
        if _REBUILT.get(kind.__name__) is kind:
            return {"o": [kind.__name__, self.encode(dict(vars(value)))]}
        if _CONSTRUCTED.get(kind.__name__) is kind and _is_unfitted(value):
            return {"e": [kind.__name__, self.encode(value.get_params(deep=False))]}
        self.objects.append(value)
        return {"x": len(self.objects) - 1}

    def _bytes(self, array):
        """Where ``array``'s bytes go: ``[dtype, shape, offset, order]``."""
        order = (
            "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
        )
        raw = array.tobytes(order=order)
        entry = [array.dtype.str, list(array.shape), self.size, order]
        padding = -len(raw) % _ALIGNMENT
        self.chunks += [raw, bytes(padding)]
        self.size += len(raw) + padding
        return entry


def _is_unfitted(estimator):
    """Whether ``estimator`` holds what its constructor sets and nothing else.

    Its parameters, and the constants some constructors set besides
    (``MLPClassifier``'s ``loss``).
    """
    params = estimator.get_params(deep=False)
    fresh = vars(type(estimator)(**params))
    held = vars(estimator)
    return set(held) == set(fresh) and all(
        held[name] == fresh[name] for name in held if name not in params
    )


class _Unpacker:
    """Decodes what :class:`_Packer` encoded, in the same order."""

    def __init__(self, data, objects):
        self.data = data
        self.objects = objects
        self.seen = []

    def decode(self, value):
        if isinstance(value, list):
            return [self.decode(item) for item in value]
        if not isinstance(value, dict):
            return value
        ((tag, content),) = value.items()
        if tag == "t":
            return tuple(self.decode(item) for item in content)
        if tag == "d":
            return {key: self.decode(item) for key, item in content.items()}
        if tag == "D":
            return {self.decode(k): self.decode(v) for k, v in content}
        if tag == "s":
            return self._array(content)[()]
        if tag == "r":
            return self.seen[content]
        index = len(self.seen)
        self.seen.append(None)
        if tag == "a":
            self.seen[index] = self._array(content)
        elif tag == "o":
            cls = _REBUILT[content[0]]
            self.seen[index] = instance = cls.__new__(cls)
            vars(instance).update(self.decode(content[1]))
        elif tag == "e":
            self.seen[index] = _CONSTRUCTED[content[0]](**self.decode(content[1]))
        elif tag == "x":
            self.seen[index] = self.objects[content]
        else:
            raise ValueError(f"Unknown entry {tag!r} in a saved state.")
        return self.seen[index]

    def _array(self, entry):
        dtype, shape, offset, order = entry
        dtype = np.dtype(dtype)
        size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
        raw = self.data[offset : offset + size]
        return raw.view(dtype).reshape(shape, order=order).copy(order="K")
