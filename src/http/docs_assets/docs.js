// Renders /openapi.json as the /docs page: operations grouped by tag (parameters,
// request body, responses with examples and headers) and the component schemas.
//
// Runs under a Content-Security-Policy that allows only this origin: no inline
// script, no eval, nothing from other hosts. Text from the document is inserted
// with textContent only (never as HTML); the small Markdown subset used by the
// document (paragraphs, `code`, **bold**) is rendered into DOM nodes.
"use strict";

(function () {
  const METHODS = ["get", "put", "post", "patch", "delete", "head", "options"];

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // Inline Markdown: `code` and **bold**; everything else is text.
  function inline(text) {
    const out = document.createDocumentFragment();
    const pattern = /`([^`]+)`|\*\*([^*]+)\*\*/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      out.append(text.slice(last, match.index));
      out.append(match[1] !== undefined ? el("code", {}, match[1]) : el("strong", {}, match[2]));
      last = match.index + match[0].length;
    }
    out.append(text.slice(last));
    return out;
  }

  function markdown(text) {
    const out = document.createDocumentFragment();
    if (!text) return out;
    for (const paragraph of text.split(/\n{2,}/)) out.append(el("p", {}, inline(paragraph)));
    return out;
  }

  function anchorFor(...parts) {
    return parts.join("-").replace(/[^A-Za-z0-9_-]+/g, "-");
  }

  function schemaAnchor(name) {
    return "schema-" + anchorFor(name);
  }

  // Resolves a local "#/a/b" reference.
  function makeResolver(doc) {
    return function resolve(value) {
      let seen = 0;
      while (value && typeof value.$ref === "string" && seen++ < 32) {
        if (!value.$ref.startsWith("#/")) throw new Error("external $ref " + value.$ref);
        let target = doc;
        for (const raw of value.$ref.slice(2).split("/")) {
          target = target[raw.replace(/~1/g, "/").replace(/~0/g, "~")];
          if (target === undefined) throw new Error("unresolved $ref " + value.$ref);
        }
        // Sibling keywords of a 3.1 $ref (description) override the target's.
        const { $ref, ...siblings } = value;
        value = Object.keys(siblings).length ? { ...target, ...siblings, $refName: $ref } : target;
      }
      return value;
    };
  }

  // A short type expression with links to component schemas: "string | null", "array of UserData".
  function typeNode(schema) {
    const out = document.createDocumentFragment();
    if (!schema) return out;
    if (schema.$ref) {
      const name = schema.$ref.split("/").pop();
      out.append(el("a", { href: "#" + schemaAnchor(name) }, name));
      return out;
    }
    const alternatives = schema.oneOf || schema.anyOf;
    if (alternatives) {
      alternatives.forEach((alt, i) => {
        if (i) out.append(" | ");
        out.append(typeNode(alt));
      });
      return out;
    }
    if ("const" in schema) {
      out.append(el("code", {}, JSON.stringify(schema.const)));
      return out;
    }
    if (schema.enum) {
      out.append(el("span", { class: "type" }, "one of "));
      schema.enum.forEach((v, i) => {
        if (i) out.append(", ");
        out.append(el("code", {}, JSON.stringify(v)));
      });
      return out;
    }
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    types.forEach((t, i) => {
      if (i) out.append(" | ");
      if (t === "array") {
        out.append("array of ");
        out.append(typeNode(schema.items || {}));
      } else if (t === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object" && !schema.properties) {
        out.append("map of ");
        out.append(typeNode(schema.additionalProperties));
      } else {
        out.append(t);
      }
    });
    if (!types.length) out.append("any");
    return out;
  }

  // Limits of a schema as text: pattern, lengths, ranges, default.
  function constraints(schema) {
    if (!schema || schema.$ref) return "";
    const parts = [];
    if (schema.format) parts.push("format " + schema.format);
    if (schema.pattern) parts.push("pattern " + schema.pattern);
    if (schema.minLength !== undefined) parts.push("min length " + schema.minLength);
    if (schema.maxLength !== undefined) parts.push("max length " + schema.maxLength);
    if (schema.minimum !== undefined) parts.push("minimum " + schema.minimum);
    if (schema.maxItems !== undefined) parts.push("max items " + schema.maxItems);
    if (schema.minItems !== undefined) parts.push("min items " + schema.minItems);
    if (schema.maxProperties !== undefined) parts.push("max entries " + schema.maxProperties);
    if (schema.default !== undefined) parts.push("default " + JSON.stringify(schema.default));
    return parts.join("; ");
  }

  function schemaTable(schema, resolve) {
    const rows = [];
    const required = new Set(schema.required || []);
    for (const [name, raw] of Object.entries(schema.properties || {})) {
      const prop = resolve(raw);
      const description = (raw.description || (raw.$ref ? "" : prop.description)) || "";
      rows.push(
        el("tr", {},
          el("td", {}, el("code", {}, name), required.has(name) ? el("span", { class: "req" }, " required") : null),
          el("td", {}, typeNode(raw.$ref ? { $ref: raw.$ref } : raw)),
          el("td", {}, inline(description), constraints(raw) ? el("div", { class: "type" }, constraints(raw)) : null)));
    }
    if (!rows.length) return null;
    return el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Field"), el("th", {}, "Type"), el("th", {}, "Description"))),
      el("tbody", {}, ...rows));
  }

  function example(value) {
    return el("pre", {}, el("code", {}, JSON.stringify(value, null, 2)));
  }

  function parametersTable(parameters, resolve) {
    if (!parameters.length) return null;
    const rows = parameters.map((raw) => {
      const p = resolve(raw);
      return el("tr", {},
        el("td", {}, el("code", {}, p.name), p.required ? el("span", { class: "req" }, " required") : null),
        el("td", {}, p.in),
        el("td", {}, typeNode(p.schema)),
        el("td", {}, inline(p.description || ""),
          constraints(resolve(p.schema)) ? el("div", { class: "type" }, constraints(resolve(p.schema))) : null));
    });
    return el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Name"), el("th", {}, "In"), el("th", {}, "Type"), el("th", {}, "Description"))),
      el("tbody", {}, ...rows));
  }

  function contentBlock(content) {
    const out = document.createDocumentFragment();
    for (const [mediaType, media] of Object.entries(content || {})) {
      out.append(el("div", {}, el("code", {}, mediaType), " ", typeNode(media.schema)));
      for (const [name, ex] of Object.entries(media.examples || {})) {
        out.append(el("details", {}, el("summary", {}, "Example: " + name), example(ex.value)));
      }
    }
    return out;
  }

  function responsesTable(responses, resolve) {
    const rows = Object.entries(responses || {}).map(([status, raw]) => {
      const r = resolve(raw);
      const headers = Object.entries(r.headers || {}).map(([name, h]) =>
        el("div", { class: "type" }, "Header ", el("code", {}, name), ": ", inline(resolve(h).description || "")));
      return el("tr", {},
        el("td", { class: "status" }, status),
        el("td", {}, markdown(r.description || ""), ...headers, contentBlock(r.content)));
    });
    return el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Status"), el("th", {}, "Response"))),
      el("tbody", {}, ...rows));
  }

  function securityNode(operation, doc) {
    const requirements = operation.security !== undefined ? operation.security : doc.security || [];
    if (!requirements.length) return el("span", { class: "badge" }, "public");
    const names = requirements.flatMap((req) => Object.keys(req));
    return el("span", { class: "badge" }, "auth: " + names.join(" or "));
  }

  function operationNode(path, method, operation, pathItem, doc, resolve) {
    const id = anchorFor("op", operation.operationId || method + path);
    const parameters = [...(pathItem.parameters || []), ...(operation.parameters || [])];
    const body = operation.requestBody ? resolve(operation.requestBody) : null;
    return el("article", { class: "op", id },
      el("h3", {},
        el("span", { class: "method " + method }, method),
        el("span", { class: "mono" }, path),
        el("span", { class: "summary" }, operation.summary || ""),
        securityNode(operation, doc)),
      markdown(operation.description || ""),
      parameters.length ? el("h4", {}, "Parameters") : null,
      parametersTable(parameters, resolve),
      body ? el("h4", {}, "Request body", body.required ? "" : " (optional)") : null,
      body ? markdown(body.description || "") : null,
      body ? contentBlock(body.content) : null,
      el("h4", {}, "Responses"),
      responsesTable(operation.responses, resolve));
  }

  function render(doc) {
    const resolve = makeResolver(doc);
    const content = document.getElementById("content");
    const nav = document.getElementById("nav");
    content.replaceChildren();
    nav.replaceChildren();
    document.title = doc.info.title + " API " + doc.info.version;
    document.getElementById("title").textContent = doc.info.title + " API";

    content.append(el("section", { id: "overview" },
      el("p", { class: "summary" }, "Version " + doc.info.version + " · OpenAPI " + doc.openapi),
      doc.info.summary ? el("p", {}, el("strong", {}, doc.info.summary)) : null,
      markdown(doc.info.description || "")));

    // Operations by their first tag, in the order of the document's tags.
    const tags = (doc.tags || []).map((t) => ({ ...t, ops: [] }));
    const byName = new Map(tags.map((t) => [t.name, t]));
    for (const [path, pathItem] of Object.entries(doc.paths || {})) {
      for (const method of METHODS) {
        const operation = pathItem[method];
        if (!operation) continue;
        const name = (operation.tags && operation.tags[0]) || "Other";
        if (!byName.has(name)) {
          const tag = { name, ops: [] };
          tags.push(tag);
          byName.set(name, tag);
        }
        byName.get(name).ops.push({ path, method, operation, pathItem });
      }
    }
    for (const tag of tags) {
      if (!tag.ops.length) continue;
      const list = el("ul", {});
      const section = el("section", { class: "tag", id: anchorFor("tag", tag.name) },
        el("h2", {}, tag.name), markdown(tag.description || ""));
      for (const { path, method, operation, pathItem } of tag.ops) {
        const node = operationNode(path, method, operation, pathItem, doc, resolve);
        section.append(node);
        list.append(el("li", {}, el("a", { href: "#" + node.id },
          el("span", { class: "method " + method }, method), " ", path)));
      }
      content.append(section);
      nav.append(el("h2", {}, el("a", { href: "#" + section.id }, tag.name)), list);
    }

    const schemas = Object.entries((doc.components && doc.components.schemas) || {});
    if (schemas.length) {
      const section = el("section", { class: "tag", id: "schemas" }, el("h2", {}, "Schemas"));
      const list = el("ul", {});
      for (const [name, schema] of schemas) {
        section.append(el("article", { class: "op", id: schemaAnchor(name) },
          el("h3", {}, el("span", { class: "mono" }, name), el("span", { class: "summary" }, typeNode(schema))),
          markdown(schema.description || ""),
          constraints(schema) ? el("p", { class: "type" }, constraints(schema)) : null,
          schemaTable(schema, resolve),
          (schema.examples || []).length ? el("details", {}, el("summary", {}, "Example"), example(schema.examples[0])) : null));
        list.append(el("li", {}, el("a", { href: "#" + schemaAnchor(name) }, name)));
      }
      content.append(section);
      nav.append(el("h2", {}, el("a", { href: "#schemas" }, "Schemas")), list);
    }
    if (location.hash) {
      const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) target.scrollIntoView();
    }
  }

  async function main() {
    const status = document.getElementById("status");
    try {
      const response = await fetch("/openapi.json", { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("GET /openapi.json answered " + response.status);
      render(await response.json());
    } catch (error) {
      status.className = "error";
      status.textContent = "Could not render the API description: " + error.message;
    }
  }

  main();
})();
