"""Values crossing from the sandboxed child to the grader, as JSON.

Never pickle: unpickling runs code, and the child is untrusted. Arrays travel
as base64 bytes with a dtype from a short whitelist; anything else becomes a
``{"__unsupported__": type name}`` marker that the checks report as a wrong type.
"""

from __future__ import annotations

import base64
import json

import numpy as np

_DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool", "uint32", "uint64"}
MAX_BYTES = 64 * 1024 * 1024


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
        data = np.ascontiguousarray(value)
        return {"__ndarray__": base64.b64encode(data.tobytes()).decode("ascii"),
                "dtype": value.dtype.name, "shape": list(value.shape)}
    if isinstance(value, (list, tuple)):
        return {"__list__": [to_jsonable(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": {str(k): to_jsonable(v, depth + 1) for k, v in value.items()}}
    return {"__unsupported__": type(value).__name__}


def from_jsonable(data, depth=0):
    """Rebuild values in the grader; malformed input gives markers, never code."""
    if depth > 25:
        return {"__unsupported__": "structure nested too deeply"}
    if data is None or isinstance(data, (bool, int, float, str)):
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
        return {str(k): from_jsonable(v, depth + 1) for k, v in data["__dict__"].items()}
    if "__unsupported__" in data:
        return {"__unsupported__": str(data["__unsupported__"])[:100]}
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


def dumps(message):
    return json.dumps(message, allow_nan=False)


def loads(line):
    if len(line) > MAX_BYTES:
        raise ValueError("result larger than the limit")
    return json.loads(line)
