"""A small GraphQL query parser: enough for aliased ``repository(owner:, name:)`` batches.

Supports an optional ``query Name($v: Type = default, ...)`` header, aliases, arguments (strings,
numbers, booleans, null, enums, lists, objects, ``$variables``), nested selection sets, inline
fragments (``... on Type { }``) and comments. Not supported (answered as a syntax error): named
fragments, directives, mutations, subscriptions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Json = Any

_TOKEN = re.compile(
    r'(?P<ws>[\s,]+|#[^\n]*)|(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<spread>\.\.\.)'
    r"|(?P<name>[_A-Za-z][_0-9A-Za-z]*)|(?P<var>\$[_A-Za-z][_0-9A-Za-z]*)|(?P<punct>[{}():\[\]!=@])"
)


class GraphQLSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    line: int
    column: int


@dataclass(slots=True)
class Field:
    name: str
    alias: str | None
    args: dict[str, Json]
    selections: list[Field] = field(default_factory=list)
    line: int = 1
    column: int = 1
    on_type: str | None = None  # set for fields inside an inline fragment

    @property
    def key(self) -> str:
        return self.alias or self.name


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    line = 1
    line_start = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise GraphQLSyntaxError(f"Parse error on {text[pos]!r}", line, pos - line_start + 1)
        kind = m.lastgroup or ""
        chunk = m.group()
        if kind != "ws":
            tokens.append(Token(kind, chunk, line, pos - line_start + 1))
        newlines = chunk.count("\n")
        if newlines:
            line += newlines
            line_start = pos + chunk.rfind("\n") + 1
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str, variables: Mapping[str, Json]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.variables = dict(variables)

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            last = self.tokens[-1] if self.tokens else Token("eof", "", 1, 1)
            raise GraphQLSyntaxError("Parse error on end of input", last.line, last.column)
        self.i += 1
        return tok

    def expect(self, text: str) -> Token:
        tok = self.next()
        if tok.text != text:
            raise GraphQLSyntaxError(f"Parse error on {tok.text!r}: expected {text!r}", tok.line, tok.column)
        return tok

    def document(self) -> list[Field]:
        tok = self.peek()
        if tok is None:
            raise GraphQLSyntaxError("Parse error on end of input", 1, 1)
        if tok.kind == "name":
            if tok.text != "query":
                raise GraphQLSyntaxError(
                    f"Unsupported operation {tok.text!r}: only queries", tok.line, tok.column
                )
            self.next()
            nxt = self.peek()
            if nxt is not None and nxt.kind == "name":
                self.next()
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                self.variable_definitions()
        fields = self.selection_set()
        extra = self.peek()
        if extra is not None:
            raise GraphQLSyntaxError(
                f"Parse error on {extra.text!r}: one operation per request", extra.line, extra.column
            )
        return fields

    def variable_definitions(self) -> None:
        self.expect("(")
        while True:
            tok = self.next()
            if tok.text == ")":
                return
            if tok.kind != "var":
                raise GraphQLSyntaxError(f"Parse error on {tok.text!r}", tok.line, tok.column)
            self.expect(":")
            self.type_ref()
            nxt = self.peek()
            if nxt is not None and nxt.text == "=":
                self.next()
                default = self.value()
                self.variables.setdefault(tok.text[1:], default)

    def type_ref(self) -> None:
        tok = self.next()
        if tok.text == "[":
            self.type_ref()
            self.expect("]")
        elif tok.kind != "name":
            raise GraphQLSyntaxError(f"Parse error on {tok.text!r}", tok.line, tok.column)
        nxt = self.peek()
        if nxt is not None and nxt.text == "!":
            self.next()

    def selection_set(self, on_type: str | None = None) -> list[Field]:
        self.expect("{")
        fields: list[Field] = []
        while True:
            tok = self.next()
            if tok.text == "}":
                return fields
            if tok.kind == "spread":
                on = self.next()
                if on.text != "on":
                    raise GraphQLSyntaxError("Named fragments are not supported", on.line, on.column)
                type_name = self.next().text
                fields.extend(self.selection_set(type_name))
                continue
            if tok.kind != "name":
                raise GraphQLSyntaxError(f"Parse error on {tok.text!r}", tok.line, tok.column)
            alias = None
            name_tok = tok
            nxt = self.peek()
            if nxt is not None and nxt.text == ":":
                self.next()
                alias = tok.text
                name_tok = self.next()
                if name_tok.kind != "name":
                    raise GraphQLSyntaxError(
                        f"Parse error on {name_tok.text!r}", name_tok.line, name_tok.column
                    )
            args: dict[str, Json] = {}
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                args = self.arguments()
            f = Field(name_tok.text, alias, args, line=tok.line, column=tok.column, on_type=on_type)
            nxt = self.peek()
            if nxt is not None and nxt.text == "{":
                f.selections = self.selection_set()
            fields.append(f)

    def arguments(self) -> dict[str, Json]:
        self.expect("(")
        args: dict[str, Json] = {}
        while True:
            tok = self.next()
            if tok.text == ")":
                return args
            if tok.kind != "name":
                raise GraphQLSyntaxError(f"Parse error on {tok.text!r}", tok.line, tok.column)
            self.expect(":")
            args[tok.text] = self.value()

    def value(self) -> Json:
        tok = self.next()
        if tok.kind == "str":
            return bytes(tok.text[1:-1], "utf-8").decode("unicode_escape")
        if tok.kind == "num":
            return float(tok.text) if "." in tok.text else int(tok.text)
        if tok.kind == "var":
            return self.variables.get(tok.text[1:])
        if tok.text == "[":
            items = []
            while self.peek() is not None and self.peek().text != "]":  # type: ignore[union-attr]
                items.append(self.value())
            self.expect("]")
            return items
        if tok.text == "{":
            obj = {}
            while self.peek() is not None and self.peek().text != "}":  # type: ignore[union-attr]
                key = self.next().text
                self.expect(":")
                obj[key] = self.value()
            self.expect("}")
            return obj
        if tok.kind == "name":
            return {"true": True, "false": False, "null": None}.get(tok.text, tok.text)
        raise GraphQLSyntaxError(f"Parse error on {tok.text!r}", tok.line, tok.column)


def parse(query: str, variables: Mapping[str, Json] | None = None) -> list[Field]:
    """The top-level fields of ``query`` with variables substituted."""
    return _Parser(query, variables or {}).document()
