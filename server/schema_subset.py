"""A check of plain JSON data against a JSON Schema, for the subset our schemas use.

jsonschema is a test dependency only; the server checks what a board file brings against
covenant.schema.json itself (type, const, enum, required, properties, additionalProperties,
propertyNames, items, minItems, minimum, pattern, oneOf and local ``$ref``), and says where
the data breaks it in words a person can act on.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["schema_problem"]

_TYPES: dict[str, Any] = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
    "integer": int, "number": int | float,
}


def schema_problem(value: Any, schema: dict[str, Any], where: str,
                   root: dict[str, Any] | None = None) -> str | None:
    """Where ``value`` breaks ``schema`` (the JSON Schema subset covenant.schema.json uses:
    type, const, enum, required, properties, additionalProperties, propertyNames, items,
    minItems, minimum, pattern, oneOf and local $ref), or None when it follows it. ``root``:
    the schema its ``$ref`` point into (``schema`` itself when not given)."""
    root = schema if root is None else root
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_problem(value, target, where, root)
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else kinds
        if not any(isinstance(value, _TYPES[name])
                   and not (isinstance(value, bool) and name in ("integer", "number"))
                   for name in names):
            return f"{where} is not of type {' or '.join(names)}"
    if "const" in schema and value != schema["const"]:
        return f"{where} is not {schema['const']!r}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where} is not one of {', '.join(map(str, schema['enum']))}"
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"],
                                                                          value):
        return f"{where} is not valid"
    if (isinstance(value, int | float) and not isinstance(value, bool)
            and value < schema.get("minimum", value)):
        return f"{where} is too small"
    if isinstance(value, dict):
        missing = [key for key in schema.get("required", ()) if key not in value]
        if missing:
            return f"{where} lacks {', '.join(missing)}"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        for key, item in value.items():
            if names is not None and schema_problem(key, names, where, root) is not None:
                return f"{where} has a key that is not valid"
            if key in properties:
                problem = schema_problem(item, properties[key], f"{where}.{key}", root)
            elif extra is False:
                problem = f"{where} has an unknown key"
            elif isinstance(extra, dict):
                problem = schema_problem(item, extra, f"{where}.{key}", root)
            else:
                problem = None
            if problem:
                return problem
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            return f"{where} has too few items"
        items = schema.get("items")
        for index, item in enumerate(value if items is not None else ()):
            problem = schema_problem(item, items, f"{where}[{index}]", root)
            if problem:
                return problem
    if "oneOf" in schema and sum(schema_problem(value, option, where, root) is None
                                 for option in schema["oneOf"]) != 1:
        return f"{where} does not match exactly one of its forms"
    return None
