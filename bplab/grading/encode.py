"""Values crossing from the sandboxed child to the grader, as JSON.

Never pickle: unpickling runs code, and the child is untrusted. Arrays travel
as base64 bytes with a dtype from a short whitelist; anything else becomes a
``{"__unsupported__": type name}`` marker that the checks report as a wrong type.
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np

_DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool", "uint32", "uint64"}
MAX_BYTES = 8 * 1024 * 1024
"""Largest reply, in bytes of JSON, at every hop (the largest real one, he_normal's, is about 0.5 MB)."""
MAX_DEPTH = 64
"""Deepest nesting of JSON containers accepted (``to_jsonable`` never goes beyond about 45)."""

# Terminal escape sequences (CSI, OSC, two-character ESC forms), then any other control or
# direction-changing character: a message must not redraw a terminal, fake a line or reorder text.
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]?|\x9b[0-?]*[ -/]*[@-~]?")
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def to_jsonable(value, depth=0):
    """Turn a produce() result into JSON-able data (runs in the child)."""
    if depth > 20:
        return {"__unsupported__": "structure nested too deeply"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return value if not isinstance(value, float) or np.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.generic):
        return to_jsonable(np.asarray(value), depth + 1)
    if isinstance(value, np.ndarray):
        if value.dtype.name not in _DTYPES:
            return {"__unsupported__": f"array of dtype {value.dtype}"}
        if value.nbytes > MAX_BYTES * 3 // 4:  # base64 makes 4 bytes of 3
            raise TooLarge(f"more than {MAX_BYTES // 2 ** 20} MB of data")
        data = np.ascontiguousarray(value)
        return {"__ndarray__": base64.b64encode(data.tobytes()).decode("ascii"),
                "dtype": value.dtype.name, "shape": list(value.shape)}
    if isinstance(value, (list, tuple, dict)) and len(value) > MAX_BYTES // 4:  # fail fast: each item takes 2 bytes or more
        raise TooLarge(f"more than {MAX_BYTES // 2 ** 20} MB of data")
    if isinstance(value, (list, tuple)):
        return {"__list__": [to_jsonable(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": {str(k): to_jsonable(v, depth + 1) for k, v in value.items()}}
    return {"__unsupported__": type(value).__name__}


def from_jsonable(data, depth=0):
    """Rebuild values in the grader; malformed input gives markers, never code."""
    if depth > 25:
        return {"__unsupported__": "structure nested too deeply"}
    if isinstance(data, str):
        return clean(data, newlines=True)
    if data is None or isinstance(data, (bool, int, float)):
        return data
    if isinstance(data, list):
        return {"__unsupported__": "bare list"}
    if not isinstance(data, dict):
        return {"__unsupported__": type(data).__name__}
    if "__ndarray__" in data:
        return _array(data)
    if "__float__" in data:
        text = str(data["__float__"])
        return float(text) if text in ("nan", "inf", "-inf") else {"__unsupported__": "float"}
    if "__list__" in data and isinstance(data["__list__"], list):
        return [from_jsonable(v, depth + 1) for v in data["__list__"]]
    if "__dict__" in data and isinstance(data["__dict__"], dict):
        return {clean(k): from_jsonable(v, depth + 1) for k, v in data["__dict__"].items()}
    if "__unsupported__" in data:
        return {"__unsupported__": clean(data["__unsupported__"])[:100]}
    return {"__unsupported__": "object"}


def _array(data):
    dtype, shape = data.get("dtype"), data.get("shape")
    if dtype not in _DTYPES or not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        return {"__unsupported__": "malformed array"}
    try:
        raw = base64.b64decode(str(data["__ndarray__"]), validate=True)
        array = np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape)
    except Exception:
        return {"__unsupported__": "malformed array"}
    return array.copy()


class TooLarge(ValueError):
    """A reply larger or deeper than the limits."""


def clean(text, *, newlines=False):
    """``text`` without terminal escapes and control characters (tabs become spaces).

    Every string that came from a submission passes through here before it
    can reach a terminal, a CSV file, JSON or Gradescope. Newlines are kept
    only when ``newlines`` is true.
    """
    text = _ESCAPE.sub("", str(text)).replace("\t", " ")
    if not newlines:
        text = text.replace("\n", " ")
    return _CONTROL.sub("", text)


def dumps(message):
    """One line of JSON; ValueError when it is larger than ``MAX_BYTES``."""
    text = json.dumps(message, allow_nan=False)
    if len(text) > MAX_BYTES:
        raise TooLarge(f"more than {MAX_BYTES // 2 ** 20} MB of data")
    return text


def loads(line):
    """Parse one reply; ValueError when it is too large or nested too deeply (never RecursionError)."""
    if len(line) > MAX_BYTES:
        raise TooLarge(f"more than {MAX_BYTES // 2 ** 20} MB of data")
    try:
        value = json.loads(line)
    except RecursionError:
        raise TooLarge(f"data nested more than {MAX_DEPTH} levels deep") from None
    if _deeper_than(value, MAX_DEPTH):
        raise TooLarge(f"data nested more than {MAX_DEPTH} levels deep")
    return value


def _deeper_than(value, limit):
    """Whether JSON containers nest more than ``limit`` levels (iterative: no recursion to exhaust)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False
