"""The reference page at /docs: the OpenAPI document as one self-contained HTML
page (no scripts, no fonts, nothing fetched), readable without a browser's network."""
from __future__ import annotations

import json
from html import escape

from services.gateway.problems import KINDS, problem_type

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h2{border-bottom:2px solid #ddd;margin-top:2.5rem}
section.op{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.method{font-weight:bold;font-family:monospace;padding:.1rem .4rem;border-radius:4px;background:#e8eefc}
.path{font-family:monospace;font-size:1.05rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5} code{background:#f5f5f5;padding:0 .2rem}
nav ul{columns:2}
"""


def render_docs(spec: dict) -> str:
    schemas = spec.get("components", {}).get("schemas", {})
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    tags = list(dict.fromkeys(op["tags"][0] for _, _, op in operations))  # in the route table's order
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(spec['info']['title'])}"
             f"</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(spec['info']['title'])} {escape(spec['info']['version'])}</h1>",
             f"<p>{_inline(spec['info'].get('description', ''))}</p>",
             "<p>The machine-readable form is <a href='/openapi.json'>/openapi.json</a> (OpenAPI "
             f"{escape(spec['openapi'])}).</p><nav><ul>"]
    parts += [f"<li><a href='#{op['operationId']}'>{escape(method.upper())} {escape(path)}</a> "
              f"{escape(op['summary'])}</li>" for path, method, op in operations]
    parts.append("</ul></nav>")
    for tag in tags:
        parts.append(f"<h2>{escape(tag.capitalize())}</h2>")
        for path, method, op in operations:
            if op["tags"][0] == tag:
                parts.append(_operation(path, method, op, schemas))
    parts.append("<h2>Problems</h2><p>Every refusal is <code>application/problem+json</code> with "
                 "<code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>, "
                 "<code>correlation_id</code> and <code>errors</code> (each field at fault and why).</p><table>"
                 "<tr><th>status</th><th>type</th><th>title</th><th>what to do</th></tr>")
    for status, (slug, title, advice) in KINDS.items():
        parts.append(f"<tr id='problem-{slug}'><td>{status}</td><td><code>{escape(problem_type(status))}</code>"
                     f"</td><td>{escape(title)}</td><td>{escape(advice)}</td></tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def _operation(path: str, method: str, op: dict, schemas: dict) -> str:
    html = [f"<section class='op' id='{op['operationId']}'><p><span class='method'>{escape(method.upper())}"
            f"</span> <span class='path'>{escape(path)}</span></p><h3>{escape(op['summary'])}</h3>"]
    if op.get("description"):
        html.append(f"<p>{escape(op['description'])}</p>")
    roles = ", ".join(op.get("x-roles", []))
    html.append(f"<p><b>Who may:</b> {escape(roles)}{'' if op.get('security') == [] else ' (bearer token)'}</p>")
    if op.get("parameters"):
        html.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th><th>about</th></tr>")
        for parameter in op["parameters"]:
            html.append(f"<tr><td><code>{escape(parameter['name'])}</code></td><td>{escape(parameter['in'])}</td>"
                        f"<td>{escape(_type(parameter.get('schema', {}), schemas))}</td>"
                        f"<td>{'yes' if parameter.get('required') else 'no'}</td>"
                        f"<td>{_about(parameter.get('schema', {}), parameter.get('description', ''))}</td></tr>")
        html.append("</table>")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        html.append(f"<p><b>Body</b> ({escape(op['requestBody'].get('description', ''))})</p>")
        html.append(_fields(body, schemas))
    for status, response in op["responses"].items():
        if "$ref" in response:
            continue
        html.append(f"<p><b>Answer {escape(status)}</b></p>")
        for content_type, content in response.get("content", {}).items():
            if "$ref" in content.get("schema", {}):
                html.append(_fields(content["schema"], schemas))
            else:
                html.append(f"<p><code>{escape(content_type)}</code></p>")
    errors = [status for status, response in op["responses"].items() if "$ref" in response]
    html.append("<p><b>Problems:</b> " + ", ".join(
        f"<a href='#problem-{KINDS[int(status)][0]}'>{status}</a>" for status in errors) + "</p></section>")
    return "".join(html)


def _fields(reference: dict, schemas: dict, depth: int = 0) -> str:
    schema = _resolve(reference, schemas)
    required = set(schema.get("required", []))
    rows = ["<table><tr><th>field</th><th>type</th><th>required</th><th>about</th></tr>"]
    for name, prop in schema.get("properties", {}).items():
        about = _about(prop, prop.get("description", ""))
        nested = prop.get("items", prop)
        if "$ref" in nested and depth < 2:
            about += _fields(nested, schemas, depth + 1)
        rows.append(f"<tr><td><code>{escape(name)}</code></td><td>{escape(_type(prop, schemas))}</td>"
                    f"<td>{'yes' if name in required else 'no'}</td><td>{about}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _about(schema: dict, description: str) -> str:
    """The description, then what values are accepted."""
    notes = [escape(description)] if description else []
    schema = {**schema.get("items", {}), **schema} if schema.get("type") == "array" else schema
    if "enum" in schema:
        notes.append("one of: " + ", ".join(f"<code>{escape(str(v))}</code>" for v in schema["enum"] if v is not None))
    for key, words in (("minimum", "at least"), ("maximum", "at most"), ("minLength", "at least {} characters"),
                       ("maxLength", "at most {} characters"), ("minItems", "at least {} items"),
                       ("default", "default")):
        if key in schema:
            notes.append(words.format(schema[key]) if "{}" in words else f"{words} {escape(json.dumps(schema[key]))}")
    return "; ".join(notes)


def _resolve(reference: dict, schemas: dict) -> dict:
    if "$ref" in reference:
        return schemas.get(reference["$ref"].rsplit("/", 1)[-1], {})
    return reference


def _type(prop: dict, schemas: dict) -> str:
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    kind = prop.get("type", "any")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    if "items" in prop:
        kind += f" of {_type(prop['items'], schemas)}"
    if prop.get("format"):
        kind += f" ({prop['format']})"
    return kind


def _inline(text: str) -> str:
    """Backticks become <code>; everything else is escaped."""
    pieces = escape(text).split("`")
    return "".join(f"<code>{piece}</code>" if index % 2 else piece for index, piece in enumerate(pieces))
