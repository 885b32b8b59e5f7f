#!/usr/bin/env python3
"""Writes src/openapi.ts: a TypeScript type for each schema of openapi.yaml's components.

openapi-typescript is the tool for this, but the npm registry is out of reach of this project's build
machines; this covers the JSON Schema that openapi.yaml uses (type lists, enum, const, $ref, oneOf,
allOf, properties, required, additionalProperties, items). A test regenerates the file and fails when
the committed one differs, so the types cannot drift from the contract.

Usage: openapi_types.py OPENAPI_YAML > src/openapi.ts
"""
import json
import sys

import yaml

PRIMITIVES = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean", "null": "null"}


def ts(schema, indent=""):
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    if "oneOf" in schema:
        return " | ".join(ts(branch, indent) for branch in schema["oneOf"])
    if "allOf" in schema:
        return " & ".join(ts(part, indent) for part in schema["allOf"])
    types = schema.get("type", "object" if "properties" in schema else None)
    if types is None:
        return "unknown"
    if isinstance(types, list):
        return " | ".join(ts({**schema, "type": one}, indent) for one in types)
    if types == "array":
        item = ts(schema.get("items", {}), indent)
        return f"Array<{item}>"
    if types == "object":
        return obj(schema, indent)
    return PRIMITIVES[types]


def obj(schema, indent):
    properties = schema.get("properties")
    if not properties:
        return "{ [key: string]: unknown }"
    required = set(schema.get("required", []))
    inner = indent + "  "
    lines = ["{"]
    for name, sub in properties.items():
        doc = sub.get("description")
        if doc:
            lines.append(f"{inner}/** {' '.join(doc.split())} */")
        mark = "" if name in required else "?"
        lines.append(f"{inner}{name}{mark}: {ts(sub, inner)};")
    lines.append(indent + "}")
    return "\n".join(lines)


def main(path):
    with open(path) as f:
        document = yaml.safe_load(f)
    print("// Generated from openapi.yaml by scripts/openapi_types.py: do not edit.")
    print(f"// {document['info']['title']} {document['info']['version']}")
    for name, schema in document["components"]["schemas"].items():
        print()
        doc = schema.get("description")
        if doc:
            print(f"/** {' '.join(doc.split())} */")
        print(f"export type {name} = {ts(schema)};")


if __name__ == "__main__":
    main(sys.argv[1])
