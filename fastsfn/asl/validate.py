"""Definition validation: AWS's ValidateStateMachineDefinition checks, as diagnostics with
JSON-pointer locations (`/States/<S>/<Field>`, nested `/States/P/Branches/0/States/X`).

Stage: asl. Pure functions over the decoded definition; nothing here runs a state machine.
Wording follows AWS where it is recorded (asl-reference §8, LocalStack snapshots); the rest keeps
AWS's phrasing patterns ("These fields are required: [..]", "Field 'X' is not supported", ...).
"""
from __future__ import annotations

import re
from typing import Any

from fastsfn.asl.fields import (
    BOOLEAN_EXPRESSIONS,
    BOOLEAN_OPERATORS,
    CATCHER_FIELDS,
    COMPARISON_OPERATORS,
    DISTRIBUTED_ONLY_FIELDS,
    ITEM_BATCHER_FIELDS,
    ITEM_PROCESSOR_FIELDS,
    ITEM_READER_FIELDS,
    JSONATA_ONLY_FIELDS,
    JSONPATH_ONLY_FIELDS,
    MAX_DELAY_SECONDS,
    MAX_LABEL_LENGTH,
    MAX_SECONDS,
    MAX_STATE_NAME_LENGTH,
    NUMERIC_OPERATORS,
    PATH_OPERATORS,
    PROCESSOR_CONFIG_FIELDS,
    READER_CONFIG_FIELDS,
    RESULT_WRITER_FIELDS,
    RETRIER_FIELDS,
    RULE_FIELDS,
    STATE_FIELDS,
    STATE_TYPES,
    STRING_INTRINSICS,
    STRING_OPERATORS,
    SUB_MACHINE_FIELDS,
    TIMESTAMP_OPERATORS,
    TOP_LEVEL_FIELDS,
    TYPE_TEST_OPERATORS,
)
from fastsfn.errors import Diagnostic, PathSyntaxError
from fastsfn.intrinsics import Call, PathArg, is_intrinsic, parse_intrinsic
from fastsfn.jsontext import DecodeError, loads
from fastsfn.paths.jsonpath import compile_path, compile_reference_path
from fastsfn.timestamps import parse_timestamp

ERROR = "ERROR"
SCHEMA = "SCHEMA_VALIDATION_FAILED"
MISSING_TARGET = "MISSING_TRANSITION_TARGET"
UNSUPPORTED = "UNSUPPORTED_FEATURE"

_EXPRESS_PATTERNS = (".waitForTaskToken", ".sync:2", ".sync")
_ACTIVITY = re.compile(r"^arn:[^:]+:states:[^:]*:[^:]*:activity:")
_SERVICE = re.compile(r"^arn:[^:]+:states:::")
_VARIABLE_REF = re.compile(r"(?<![\w$'\\])\$(?!\$)[A-Za-z_]")


# ------------------------------------------------------------------ public API


def validate_definition(definition: str | bytes | dict, type: str = "STANDARD") -> list[Diagnostic]:
    """Every diagnostic for a definition (JSON text or decoded dict); empty when valid.

    AWS checks run first; fastsfn's own `UNSUPPORTED_FEATURE` checks only once those pass, so a
    definition AWS rejects is reported exactly as AWS would.
    """
    if isinstance(definition, (str, bytes)):
        if not definition.strip():
            return [Diagnostic(ERROR, SCHEMA, "Definition must be a valid JSON object")]
        try:
            definition = loads(definition)
        except (DecodeError, UnicodeDecodeError) as e:
            return [Diagnostic(ERROR, "INVALID_JSON_DESCRIPTION", str(e))]
    if not isinstance(definition, dict):
        return [Diagnostic(ERROR, SCHEMA, "Definition must be a valid JSON object")]
    found = _Checker(express=type == "EXPRESS").run(definition)
    if any(d.severity == ERROR for d in found):
        return found
    return found + unsupported_features(definition)


def unsupported_features(definition: dict) -> list[Diagnostic]:
    """Features AWS accepts that fastsfn does not run yet: JSONata, variables (`Assign`, `$var`)."""
    out: list[Diagnostic] = []

    def flag(message: str, location: str) -> None:
        out.append(Diagnostic(ERROR, UNSUPPORTED, message, location))

    def strings(node: Any, location: str, dynamic: bool) -> None:
        # JSONPath mode: a variable can be read from any path or intrinsic argument.
        if isinstance(node, dict):
            for k, v in node.items():
                strings(v, f"{location}/{k}", _reads_path(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                strings(v, f"{location}/{i}", dynamic)
        elif dynamic and isinstance(node, str) and _VARIABLE_REF.search(node):
            flag("fastsfn does not support variables yet", location)

    def machine(m: Any, base: str) -> None:
        if not isinstance(m, dict) or not isinstance(m.get("States"), dict):
            return
        for name, state in m["States"].items():
            if not isinstance(state, dict):
                continue
            loc = f"{base}/States/{name}"
            if state.get("QueryLanguage") == "JSONata":
                flag("fastsfn does not support QueryLanguage 'JSONata' yet", f"{loc}/QueryLanguage")
            if "Assign" in state:
                flag("fastsfn does not support variables ('Assign') yet", f"{loc}/Assign")
            for i, rule in enumerate(state.get("Choices") or ()):
                if isinstance(rule, dict) and "Assign" in rule:
                    flag("fastsfn does not support variables ('Assign') yet",
                         f"{loc}/Choices/{i}/Assign")
            for i, catcher in enumerate(state.get("Catch") or ()):
                if isinstance(catcher, dict) and "Assign" in catcher:
                    flag("fastsfn does not support variables ('Assign') yet",
                         f"{loc}/Catch/{i}/Assign")
            for key, value in state.items():
                if key in ("Type", "Comment", "Next", "Default", "Resource", "QueryLanguage",
                           "Branches", "ItemProcessor", "Iterator", "Assign"):
                    continue
                strings(value, f"{loc}/{key}", _reads_path(key))
            for i, branch in enumerate(state.get("Branches") or ()):
                machine(branch, f"{loc}/Branches/{i}")
            for key in ("ItemProcessor", "Iterator"):
                machine(state.get(key), f"{loc}/{key}")

    if definition.get("QueryLanguage") == "JSONata":
        flag("fastsfn does not support QueryLanguage 'JSONata' yet", "/QueryLanguage")
    machine(definition, "")
    return out


def _reads_path(key: Any) -> bool:
    """A field whose string value is a path or intrinsic call (JSONPath mode)."""
    return isinstance(key, str) and (key.endswith((".$", "Path")) or key == "Variable")


def definition_error_message(diagnostics: list[Diagnostic]) -> str:
    """AWS's `InvalidDefinition` message for the ERROR diagnostics, joined with ", " as AWS does:
    `Invalid State Machine Definition: '<CODE>: <message> at <location>, <CODE>: ...'`."""
    errors = [d for d in diagnostics if d.severity == ERROR] or diagnostics
    parts = [f"{d.code}: {d.message} at {d.location if d.location is not None else 'null'}"
             for d in errors]
    return "Invalid State Machine Definition: '" + ", ".join(parts) + "'"


# ------------------------------------------------------------------ path syntax


def _path_ok(text: Any, reference: bool = False) -> bool:
    """A JSONPath (or reference path) including `$$...` and `$var...`."""
    if not isinstance(text, str) or not text.startswith("$"):
        return False
    try:
        (compile_reference_path if reference else compile_path)(text)
    except PathSyntaxError:
        return False
    return True


def _intrinsic_ok(text: str, allowed: frozenset[str] | None = None) -> bool:
    try:
        call = parse_intrinsic(text)
    except PathSyntaxError:
        return False
    if allowed is not None and call.name not in allowed:
        return False
    return _intrinsic_paths_ok(call)


def _intrinsic_paths_ok(call: Any) -> bool:
    for arg in call.args:
        if isinstance(arg, PathArg) and not _path_ok(arg.text):
            return False
        if isinstance(arg, Call) and not _intrinsic_paths_ok(arg):
            return False
    return True


def _dynamic_ok(text: Any) -> bool:
    """The value of a `.$` field: a path or an intrinsic call."""
    if not isinstance(text, str):
        return False
    if is_intrinsic(text):
        return _intrinsic_ok(text.strip())
    return _path_ok(text)


def _is_int(v: Any) -> bool:
    return type(v) is int


def _is_number(v: Any) -> bool:
    return type(v) in (int, float)


def is_placeholder(text: str) -> bool:
    """A deploy-time template placeholder (`${X}`, `{{X}}`, `<X>`) left in a definition."""
    return "${" in text or "{{" in text or (text.startswith("<") and text.endswith(">"))


# ------------------------------------------------------------------ checker


class _Checker:
    """One validation run; collects diagnostics in document order."""

    def __init__(self, express: bool) -> None:
        self.express = express
        self.out: list[Diagnostic] = []
        self.names: set[str] = set()
        self.top_jsonata = False

    # -- reporting

    def err(self, message: str, location: str | None, code: str = SCHEMA) -> None:
        self.out.append(Diagnostic(ERROR, code, message, location))

    def unknown_fields(self, obj: dict, allowed: frozenset[str], loc: str) -> None:
        for key in obj:
            if key not in allowed:
                self.err(f"Field '{key}' is not supported", loc)

    def required(self, obj: dict, names: tuple[str, ...], loc: str) -> bool:
        missing = [n for n in names if n not in obj]
        if missing:
            self.err(f"These fields are required: [{', '.join(missing)}]", loc)
        return not missing

    def type_error(self, expected: str, loc: str, value: Any = None) -> None:
        # A whole template placeholder (`${Timeout}`) stands for a value filled in at deploy time.
        if isinstance(value, str) and is_placeholder(value):
            return
        # JSONata states may give any typed field as an expression, checked when it runs.
        if isinstance(value, str) and value.startswith("{%") and value.endswith("%}"):
            return
        self.err(f"Expected value of type [{expected}]", loc)

    def exclusive(self, obj: dict, a: str, b: str, loc: str) -> None:
        if a in obj and b in obj:
            self.err(f"These fields cannot be specified at the same time: [{a}, {b}]", loc)

    def bad_path(self, field: str, loc: str, reference: bool) -> None:
        kind = "ReferencePath" if reference else "JSONPath"
        self.err(f"The value for the field '{field}' must be a valid {kind}", loc)

    def path_field(self, obj: dict, field: str, loc: str, reference: bool = False,
                   nullable: bool = False) -> None:
        if field not in obj:
            return
        value = obj[field]
        if value is None and nullable:
            return
        if not _path_ok(value, reference):
            self.bad_path(field, f"{loc}/{field}", reference)

    def int_field(self, obj: dict, field: str, loc: str, lo: int, hi: int | None = None) -> None:
        if field not in obj:
            return
        value = obj[field]
        where = f"{loc}/{field}"
        if not _is_int(value):
            self.type_error("INTEGER", where, value)
        elif value < lo or (hi is not None and value > hi):
            bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            self.err(f"The value for the field '{field}' must be {bound}", where)

    def string_field(self, obj: dict, field: str, loc: str) -> bool:
        if field in obj and not isinstance(obj[field], str):
            self.type_error("STRING", f"{loc}/{field}", obj[field])
            return False
        return field in obj

    def enum_field(self, obj: dict, field: str, values: tuple[str, ...], loc: str) -> None:
        if field in obj and obj[field] not in values:
            self.err(f"The field '{field}' should have one of these values: "
                     f"[{', '.join(values)}]", f"{loc}/{field}")

    def template(self, node: Any, loc: str) -> None:
        """A payload template: every `.$` value must be a path or an intrinsic call."""
        if isinstance(node, dict):
            for key, value in node.items():
                where = f"{loc}/{key}"
                if isinstance(key, str) and key.endswith(".$"):
                    if not _dynamic_ok(value):
                        self.err(f"The value for the field '{key}' must be a valid JSONPath or "
                                 "a valid intrinsic function call", where)
                else:
                    self.template(value, where)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self.template(value, f"{loc}/{i}")

    # -- machine

    def run(self, definition: dict) -> list[Diagnostic]:
        missing = [n for n in ("States", "StartAt") if n not in definition]
        if missing:
            self.err(f"These fields are required: [{', '.join(missing)}]", "/")
        self.unknown_fields(definition, TOP_LEVEL_FIELDS, "/")
        self.query_language(definition, "/QueryLanguage")
        self.top_jsonata = definition.get("QueryLanguage") == "JSONata"
        if "Version" in definition and definition["Version"] != "1.0":
            self.err("The field 'Version' should have one of these values: [1.0]", "/Version")
        if "Comment" in definition:
            self.string_field(definition, "Comment", "")
        if "TimeoutSeconds" in definition:
            self.int_field(definition, "TimeoutSeconds", "", 1, MAX_SECONDS)
        if missing:
            return self.out
        self.machine(definition, "", top=True)
        return self.out

    def query_language(self, obj: dict, loc: str) -> None:
        if "QueryLanguage" in obj and obj["QueryLanguage"] not in ("JSONPath", "JSONata"):
            self.err("The field 'QueryLanguage' should have one of these values: "
                     "[JSONPath, JSONata]", loc)

    def machine(self, m: dict, base: str, top: bool = False, express: bool | None = None) -> None:
        """StartAt/States of the top level or of a branch/item processor at `base`."""
        express = self.express if express is None else express
        if not isinstance(m.get("StartAt"), str):
            self.type_error("STRING", f"{base}/StartAt")
        states = m.get("States")
        if not isinstance(states, dict):
            self.type_error("OBJECT", f"{base}/States")
            return
        if not states:
            self.err("Value cannot be empty", f"{base}/States")
            return
        for name, state in states.items():
            loc = f"{base}/States/{name}"
            if name in self.names:
                self.err(f"Duplicate State name: {name}", loc, "DUPLICATE_STATE_NAME")
            self.names.add(name)
            if not 1 <= len(name) <= MAX_STATE_NAME_LENGTH:
                self.err(f"State name must be between 1 and {MAX_STATE_NAME_LENGTH} characters",
                         loc, "INVALID_STATE_NAME")
            self.state(state, loc, express)
        self.graph(m, states, base, top)

    def graph(self, m: dict, states: dict, base: str, top: bool) -> None:
        """Transition targets, reachability from StartAt, and (top level) a terminal state."""
        def targets(state: Any) -> list[tuple[str, str]]:
            out: list[tuple[str, str]] = []
            if not isinstance(state, dict):
                return out
            for field in ("Next", "Default"):
                if isinstance(state.get(field), str):
                    out.append((state[field], field))
            for key in ("Choices", "Catch"):
                if isinstance(state.get(key), list):
                    for i, item in enumerate(state[key]):
                        if isinstance(item, dict) and isinstance(item.get("Next"), str):
                            out.append((item["Next"], f"{key}/{i}/Next"))
            return out

        # A placeholder where a transition could be (`"Catch": ["${Handler}"]`, `"Next": "${X}"`)
        # hides edges until deploy time: reachability is then unknowable.
        opaque = any(
            isinstance(state, dict) and any(
                isinstance(v, str) and is_placeholder(v)
                for v in [state.get("Next"), state.get("Default"),
                          *(state.get("Catch") if isinstance(state.get("Catch"), list) else ()),
                          *(state.get("Choices") if isinstance(state.get("Choices"), list) else ())])
            for state in states.values())
        start = m.get("StartAt")
        if isinstance(start, str) and start not in states and not is_placeholder(start):
            self.err(f"Missing 'Next' target: {start}", f"{base}/StartAt", MISSING_TARGET)
        for name, state in states.items():
            for target, where in targets(state):
                if target not in states and not is_placeholder(target):
                    self.err(f"Missing 'Next' target: {target}", f"{base}/States/{name}/{where}",
                             MISSING_TARGET)
        if top and not any(
                isinstance(s, dict) and (s.get("Type") in ("Succeed", "Fail") or s.get("End") is True)
                for s in states.values()):
            # AWS reports this alone for the level, without the unreachable states on top of it.
            self.err("Workflow has no terminal state", None, "MISSING_END_STATE")
            return
        if opaque:
            return
        reachable: set[str] = set()
        pending = [start] if isinstance(start, str) and start in states else []
        while pending:
            name = pending.pop()
            if name in reachable:
                continue
            reachable.add(name)
            pending.extend(t for t, _ in targets(states[name]) if t in states)
        for name in states:
            if name not in reachable:
                self.err(f'State "{name}" is not reachable.', f"{base}/States/{name}",
                         MISSING_TARGET)

    # -- states

    def state(self, state: Any, loc: str, express: bool) -> None:
        if not isinstance(state, dict):
            self.type_error("OBJECT", loc, state)
            return
        if "Type" not in state:
            self.err("These fields are required: [Type]", loc)
            return
        kind = state["Type"]
        if kind not in STATE_TYPES:
            self.err("The field 'Type' should have one of these values: "
                     f"[{', '.join(STATE_TYPES)}]", f"{loc}/Type")
            return
        self.query_language(state, f"{loc}/QueryLanguage")
        language = state.get("QueryLanguage")
        if self.top_jsonata and language == "JSONPath":
            self.err("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole "
                     "state machine", loc)
        jsonata = language == "JSONata" or (language is None and self.top_jsonata)
        allowed = STATE_FIELDS[kind]
        own, other = ("JSONata", "JSONPath") if jsonata else ("JSONPath", "JSONata")
        foreign = JSONPATH_ONLY_FIELDS if jsonata else JSONATA_ONLY_FIELDS
        for key in state:
            if key in foreign and key in allowed:
                self.err(f"The QueryLanguage is set to '{own}', but field '{key}' is only "
                         f"supported for the '{other}' QueryLanguage", loc)
            elif key not in allowed:
                self.err(f"Field '{key}' is not supported", loc)
        if "Comment" in state:
            self.string_field(state, "Comment", loc)
        if kind not in ("Choice", "Succeed", "Fail"):
            self.next_or_end(state, loc)
        if not jsonata:
            self.path_field(state, "InputPath", loc, nullable=True)
            self.path_field(state, "OutputPath", loc, nullable=True)
            if "ResultPath" in allowed:
                self.path_field(state, "ResultPath", loc, reference=True, nullable=True)
            for field in ("Parameters", "ResultSelector"):
                if field in state and field in allowed:
                    self.template(state[field], f"{loc}/{field}")
        getattr(self, "state_" + kind.lower())(state, loc, jsonata, express)
        if "Retry" in state and "Retry" in allowed:
            self.retriers(state["Retry"], f"{loc}/Retry")
        if "Catch" in state and "Catch" in allowed:
            self.catchers(state["Catch"], f"{loc}/Catch", jsonata)

    def next_or_end(self, state: dict, loc: str) -> None:
        has_next, has_end = "Next" in state, "End" in state
        if has_next and has_end:
            self.err("These fields cannot be specified at the same time: [Next, End]", loc)
        elif not has_next and not has_end:
            self.err("Exactly one of these fields is required: [Next, End]", loc)
        if has_next and not isinstance(state["Next"], str):
            self.type_error("STRING", f"{loc}/Next", state["Next"])
        if has_end and state["End"] is not True:
            self.err("The field 'End' should have one of these values: [true]", f"{loc}/End")

    def state_pass(self, state: dict, loc: str, jsonata: bool, express: bool) -> None:
        pass  # Result is any JSON; Parameters/ResultPath checked with the common fields.

    def state_succeed(self, state: dict, loc: str, jsonata: bool, express: bool) -> None:
        pass

    def state_task(self, state: dict, loc: str, jsonata: bool, express: bool) -> None:
        if self.required(state, ("Resource",), loc):
            self.resource(state["Resource"], f"{loc}/Resource", express)
        self.int_field(state, "TimeoutSeconds", loc, 1, MAX_SECONDS)
        self.int_field(state, "HeartbeatSeconds", loc, 1, MAX_SECONDS)
        if not jsonata:
            self.path_field(state, "TimeoutSecondsPath", loc, reference=True)
            self.path_field(state, "HeartbeatSecondsPath", loc, reference=True)
        self.exclusive(state, "TimeoutSeconds", "TimeoutSecondsPath", loc)
        self.exclusive(state, "HeartbeatSeconds", "HeartbeatSecondsPath", loc)
        heartbeat, timeout = state.get("HeartbeatSeconds"), state.get("TimeoutSeconds", MAX_SECONDS)
        if _is_int(heartbeat) and _is_int(timeout) and heartbeat >= timeout:
            self.err("The value of 'HeartbeatSeconds' must be less than the value of "
                     "'TimeoutSeconds'", f"{loc}/HeartbeatSeconds")
        if "Credentials" in state:
            creds, where = state["Credentials"], f"{loc}/Credentials"
            if not isinstance(creds, dict):
                if not jsonata:
                    self.type_error("OBJECT", where, creds)
            else:
                if "RoleArn" not in creds and "RoleArn.$" not in creds:
                    self.err("The field 'RoleArn' is required but was missing", where)
                self.unknown_fields(creds, frozenset({"RoleArn", "RoleArn.$"}), where)
                self.template(creds, where)

    def resource(self, resource: Any, loc: str, express: bool) -> None:
        if not isinstance(resource, str):
            self.type_error("STRING", loc)
            return
        placeholder = is_placeholder(resource)
        if not placeholder and (not resource.startswith("arn:") or len(resource.split(":")) < 6):
            self.err(f"The resource provided {resource} is not recognized. The value is not a "
                     "valid resource ARN, or the resource is not available in this region.", loc)
            return
        if not express:
            return
        if _ACTIVITY.match(resource):
            self.err("Express state machine does not support Activity ARN", loc)
        elif _SERVICE.match(resource):
            for suffix in _EXPRESS_PATTERNS:
                if resource.endswith(suffix):
                    # The trailing space is AWS's (observed).
                    self.err(f"Express state machine does not support '{suffix}' service "
                             "integration ", loc)
                    break

    def state_wait(self, state: dict, loc: str, jsonata: bool, express: bool) -> None:
        options = [k for k in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if k in state]
        if len(options) != 1:
            self.err("Exactly one of these fields is required: "
                     "[Seconds, Timestamp, SecondsPath, TimestampPath]", loc)
        if jsonata:
            return
        self.int_field(state, "Seconds", loc, 0, MAX_SECONDS)
        if "Timestamp" in state and parse_timestamp(state["Timestamp"]) is None:
            self.err("String does not match RFC3339 timestamp", f"{loc}/Timestamp")
        self.path_field(state, "SecondsPath", loc, reference=True)
        self.path_field(state, "TimestampPath", loc, reference=True)

    def state_fail(self, state: dict, loc: str, jsonata: bool, express: bool) -> None:
        self.exclusive(state, "Error", "ErrorPath", loc)
        self.exclusive(state, "Cause", "CausePath", loc)
        for field in ("Error", "Cause"):
            self.string_field(state, field, loc)
        if jsonata:
            return
        for field in ("ErrorPath", "CausePath"):
            if field not in state:
                continue
            value = state[field]
            if not isinstance(value, str):
                self.type_error("STRING", f"{loc}/{field}", value)
            elif is_intrinsic(value):
                if not _intrinsic_ok(value.strip(), STRING_INTRINSICS):
                    self.err(f"The value for the field '{field}' must be a valid JSONPath or a "
                             "valid intrinsic function call", f"{loc}/{field}")
            elif not _path_ok(value):
                self.bad_path(field, f"{loc}/{field}", reference=False)

    def state_choice(self, state: dict, loc: str, jsonata: bool, express: bool) -> None:
        if not self.required(state, ("Choices",), loc):
            return
        choices = state["Choices"]
        if not isinstance(choices, list):
            self.type_error("ARRAY", f"{loc}/Choices", choices)
            return
        if not choices:
            self.err("Value cannot be empty", f"{loc}/Choices")
        for i, rule in enumerate(choices):
            self.rule(rule, f"{loc}/Choices/{i}", top=True, jsonata=jsonata)
        if "Default" in state:
            self.string_field(state, "Default", loc)

    def rule(self, rule: Any, loc: str, top: bool, jsonata: bool) -> None:
        if not isinstance(rule, dict):
            self.type_error("OBJECT", loc, rule)
            return
        if top:
            if self.required(rule, ("Next",), loc):
                self.string_field(rule, "Next", loc)
        elif "Next" in rule:
            self.err("Field 'Next' is not supported", loc)
        if jsonata:
            for key in rule:
                if key in COMPARISON_OPERATORS or key in BOOLEAN_EXPRESSIONS or key == "Variable":
                    self.err(f"The QueryLanguage is set to 'JSONata', but field '{key}' is only "
                             "supported for the 'JSONPath' QueryLanguage", loc)
                elif key not in ("Condition", "Next", "Comment", "Assign", "Output"):
                    self.err(f"Field '{key}' is not supported", loc)
            self.required(rule, ("Condition",), loc)
            return
        for key in rule:
            if key in ("Condition", "Output"):
                self.err(f"The QueryLanguage is set to 'JSONPath', but field '{key}' is only "
                         "supported for the 'JSONata' QueryLanguage", loc)
            elif key == "Assign" and not top:
                self.err("Field 'Assign' is not supported", loc)
            elif key not in RULE_FIELDS and key not in COMPARISON_OPERATORS \
                    and key not in BOOLEAN_EXPRESSIONS:
                self.err(f"Field '{key}' is not supported", loc)
        operators = [k for k in rule if k in COMPARISON_OPERATORS]
        combinators = [k for k in rule if k in BOOLEAN_EXPRESSIONS]
        if len(operators) + len(combinators) != 1:
            self.err("A choice rule must have exactly one comparison operator or one of "
                     "[And, Or, Not]", loc)
        if combinators:
            if "Variable" in rule:
                self.err("Field 'Variable' is not supported", loc)
            for key in combinators:
                self.combinator(rule[key], key, f"{loc}/{key}")
        elif operators:
            if self.required(rule, ("Variable",), loc):
                if not _path_ok(rule["Variable"], reference=True):
                    self.bad_path("Variable", f"{loc}/Variable", reference=True)
            for op in operators:
                self.operand(op, rule[op], f"{loc}/{op}")

    def combinator(self, value: Any, key: str, loc: str) -> None:
        if key == "Not":
            self.rule(value, loc, top=False, jsonata=False)
            return
        if not isinstance(value, list):
            self.type_error("ARRAY", loc)
            return
        if not value:
            self.err("Value cannot be empty", loc)
        for i, sub in enumerate(value):
            self.rule(sub, f"{loc}/{i}", top=False, jsonata=False)

    def operand(self, op: str, value: Any, loc: str) -> None:
        if op in PATH_OPERATORS:
            if not _path_ok(value, reference=True):
                self.bad_path(op, loc, reference=True)
        elif op in STRING_OPERATORS:
            if not isinstance(value, str):
                self.type_error("STRING", loc, value)
        elif op in NUMERIC_OPERATORS:
            if not _is_number(value):
                self.type_error("NUMBER", loc, value)
        elif op in BOOLEAN_OPERATORS or op in TYPE_TEST_OPERATORS:
            if not isinstance(value, bool):
                self.type_error("BOOLEAN", loc, value)
        elif op in TIMESTAMP_OPERATORS:
            if not isinstance(value, str):
                self.type_error("STRING", loc, value)
            elif parse_timestamp(value) is None:
                self.err("String does not match RFC3339 timestamp", loc)

    def state_parallel(self, state: dict, loc: str, jsonata: bool, express: bool) -> None:
        if not self.required(state, ("Branches",), loc):
            return
        branches = state["Branches"]
        if not isinstance(branches, list):
            self.type_error("ARRAY", f"{loc}/Branches", branches)
            return
        if not branches:
            self.err("Value cannot be empty", f"{loc}/Branches")
        for i, branch in enumerate(branches):
            self.sub_machine(branch, f"{loc}/Branches/{i}", SUB_MACHINE_FIELDS, express)

    def sub_machine(self, m: Any, loc: str, allowed: frozenset[str], express: bool) -> None:
        if not isinstance(m, dict):
            self.type_error("OBJECT", loc, m)
            return
        self.unknown_fields(m, allowed, loc)
        self.query_language(m, f"{loc}/QueryLanguage")
        if self.required(m, ("StartAt", "States"), loc):
            self.machine(m, loc, express=express)

    def state_map(self, state: dict, loc: str, jsonata: bool, express: bool) -> None:
        self.exclusive(state, "ItemProcessor", "Iterator", loc)
        self.exclusive(state, "ItemSelector", "Parameters", loc)
        self.exclusive(state, "MaxConcurrency", "MaxConcurrencyPath", loc)
        self.exclusive(state, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", loc)
        self.exclusive(state, "ToleratedFailureCount", "ToleratedFailureCountPath", loc)
        key = "ItemProcessor" if "ItemProcessor" in state or "Iterator" not in state else "Iterator"
        mode, child_express = "INLINE", express
        if self.required(state, (key,), loc):
            processor = state[key]
            config = processor.get("ProcessorConfig") if isinstance(processor, dict) else None
            if config is not None:
                where = f"{loc}/{key}/ProcessorConfig"
                if not isinstance(config, dict):
                    self.type_error("OBJECT", where)
                else:
                    self.unknown_fields(config, PROCESSOR_CONFIG_FIELDS, where)
                    self.enum_field(config, "Mode", ("INLINE", "DISTRIBUTED"), where)
                    self.enum_field(config, "ExecutionType", ("STANDARD", "EXPRESS"), where)
                    mode = config.get("Mode", "INLINE")
                    if mode == "DISTRIBUTED":
                        self.required(config, ("ExecutionType",), where)
                        child_express = config.get("ExecutionType") == "EXPRESS"
            if mode == "DISTRIBUTED" and express:
                self.err("Express state machine does not support Distributed Map", loc)
            self.sub_machine(processor, f"{loc}/{key}", ITEM_PROCESSOR_FIELDS, child_express)
        if mode != "DISTRIBUTED":
            for field in DISTRIBUTED_ONLY_FIELDS[:3]:
                if field in state:
                    self.err(f"Field '{field}' is only supported in DISTRIBUTED mode",
                             f"{loc}/{field}")
        self.int_field(state, "MaxConcurrency", loc, 0)
        self.int_field(state, "ToleratedFailureCount", loc, 0)
        if "ToleratedFailurePercentage" in state:
            value, where = state["ToleratedFailurePercentage"], f"{loc}/ToleratedFailurePercentage"
            if not _is_number(value):
                self.type_error("NUMBER", where, value)
            elif not 0 <= value <= 100:
                self.err("The value for the field 'ToleratedFailurePercentage' must be between "
                         "0 and 100", where)
        if "Label" in state:
            if self.string_field(state, "Label", loc) and len(state["Label"]) > MAX_LABEL_LENGTH:
                self.err(f"The field 'Label' must be at most {MAX_LABEL_LENGTH} characters",
                         f"{loc}/Label")
        self.map_io(state, loc, jsonata)

    def map_io(self, state: dict, loc: str, jsonata: bool) -> None:
        for field, fields in (("ItemReader", ITEM_READER_FIELDS),
                              ("ResultWriter", RESULT_WRITER_FIELDS),
                              ("ItemBatcher", ITEM_BATCHER_FIELDS)):
            if field not in state:
                continue
            value, where = state[field], f"{loc}/{field}"
            if not isinstance(value, dict):
                self.type_error("OBJECT", where, value)
                continue
            self.unknown_fields(value, fields, where)
            if "Resource" in value:
                self.resource(value["Resource"], f"{where}/Resource", express=False)
            if not jsonata:
                for sub in ("Parameters", "BatchInput"):
                    if sub in value:
                        self.template(value[sub], f"{where}/{sub}")
                for sub in ("MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"):
                    self.path_field(value, sub, where, reference=True)
            self.int_field(value, "MaxItemsPerBatch", where, 0)
            self.int_field(value, "MaxInputBytesPerBatch", where, 0, 262144)
            config = value.get("ReaderConfig")
            if isinstance(config, dict):
                cwhere = f"{where}/ReaderConfig"
                self.unknown_fields(config, READER_CONFIG_FIELDS, cwhere)
                self.enum_field(config, "InputType",
                                ("MANIFEST", "JSON", "CSV", "JSONL", "PARQUET"), cwhere)
                self.enum_field(config, "CSVHeaderLocation", ("FIRST_ROW", "GIVEN"), cwhere)
                self.int_field(config, "MaxItems", cwhere, 0, 100_000_000)
                if not jsonata:
                    self.path_field(config, "MaxItemsPath", cwhere, reference=True)
            elif config is not None:
                self.type_error("OBJECT", f"{where}/ReaderConfig")
        if jsonata:
            return
        self.path_field(state, "ItemsPath", loc)
        if "ItemSelector" in state:
            self.template(state["ItemSelector"], f"{loc}/ItemSelector")
        for field in ("MaxConcurrencyPath", "ToleratedFailurePercentagePath",
                      "ToleratedFailureCountPath"):
            self.path_field(state, field, loc, reference=True)

    # -- Retry / Catch

    def error_equals(self, item: dict, loc: str) -> bool:
        """Checks ErrorEquals; True when it holds States.ALL."""
        if not self.required(item, ("ErrorEquals",), loc):
            return False
        names, where = item["ErrorEquals"], f"{loc}/ErrorEquals"
        if not isinstance(names, list):
            self.type_error("ARRAY", where, names)
            return False
        if not names:
            self.err("Value cannot be empty", where)
        for i, name in enumerate(names):
            if not isinstance(name, str):
                self.type_error("STRING", f"{where}/{i}", name)
        if "States.ALL" in names and len(names) > 1:
            self.err("The error name 'States.ALL' must appear alone in the field 'ErrorEquals'",
                     where)
        return "States.ALL" in names

    def retriers(self, retriers: Any, loc: str) -> None:
        if not isinstance(retriers, list):
            self.type_error("ARRAY", loc)
            return
        for i, retrier in enumerate(retriers):
            where = f"{loc}/{i}"
            if not isinstance(retrier, dict):
                self.type_error("OBJECT", where, retrier)
                continue
            self.unknown_fields(retrier, RETRIER_FIELDS, where)
            if self.error_equals(retrier, where) and i != len(retriers) - 1:
                self.err("A retrier with 'States.ALL' must be the last retrier", where)
            self.int_field(retrier, "IntervalSeconds", where, 1, MAX_SECONDS)
            self.int_field(retrier, "MaxAttempts", where, 0, MAX_SECONDS)
            self.int_field(retrier, "MaxDelaySeconds", where, 1, MAX_DELAY_SECONDS)
            if "BackoffRate" in retrier:
                rate = retrier["BackoffRate"]
                if not _is_number(rate):
                    self.type_error("NUMBER", f"{where}/BackoffRate", rate)
                elif rate < 1.0:
                    self.err("The value for the field 'BackoffRate' must be at least 1.0",
                             f"{where}/BackoffRate")
            self.enum_field(retrier, "JitterStrategy", ("FULL", "NONE"), where)

    def catchers(self, catchers: Any, loc: str, jsonata: bool) -> None:
        if not isinstance(catchers, list):
            self.type_error("ARRAY", loc)
            return
        for i, catcher in enumerate(catchers):
            where = f"{loc}/{i}"
            if not isinstance(catcher, dict):
                self.type_error("OBJECT", where, catcher)
                continue
            own, other = ("JSONata", "JSONPath") if jsonata else ("JSONPath", "JSONata")
            foreign = "ResultPath" if jsonata else "Output"
            for key in catcher:
                if key == foreign:
                    self.err(f"The QueryLanguage is set to '{own}', but field '{key}' is only "
                             f"supported for the '{other}' QueryLanguage", where)
                elif key not in CATCHER_FIELDS:
                    self.err(f"Field '{key}' is not supported", where)
            if self.error_equals(catcher, where) and i != len(catchers) - 1:
                self.err("A catcher with 'States.ALL' must be the last catcher", where)
            if self.required(catcher, ("Next",), where):
                self.string_field(catcher, "Next", where)
            if not jsonata:
                self.path_field(catcher, "ResultPath", where, reference=True, nullable=True)
