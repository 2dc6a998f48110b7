"""Field tables of the Amazon States Language: which fields each state type, retrier, catcher and
Choice rule may carry, and which belong to one query language only. Stage: asl (data only).
"""
from __future__ import annotations

STATE_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")

TOP_LEVEL_FIELDS = frozenset(
    {"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"})

# `Branches[i]`, `ItemProcessor` / `Iterator`.
SUB_MACHINE_FIELDS = frozenset({"StartAt", "States", "Comment", "QueryLanguage"})
ITEM_PROCESSOR_FIELDS = SUB_MACHINE_FIELDS | {"ProcessorConfig"}

_COMMON = {"Type", "Comment", "QueryLanguage"}
_FLOW = {"Next", "End"}
_IO = {"InputPath", "OutputPath"}

STATE_FIELDS: dict[str, frozenset[str]] = {
    "Task": frozenset(_COMMON | _FLOW | _IO | {
        "Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch",
        "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath",
        "Credentials", "Assign", "Arguments", "Output"}),
    "Pass": frozenset(_COMMON | _FLOW | _IO | {
        "Parameters", "ResultPath", "Result", "Assign", "Output"}),
    "Choice": frozenset(_COMMON | _IO | {"Choices", "Default", "Assign", "Output"}),
    "Wait": frozenset(_COMMON | _FLOW | _IO | {
        "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign", "Output"}),
    "Succeed": frozenset(_COMMON | _IO | {"Output"}),
    "Fail": frozenset(_COMMON | {"Error", "Cause", "ErrorPath", "CausePath"}),
    "Parallel": frozenset(_COMMON | _FLOW | _IO | {
        "Branches", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Assign",
        "Arguments", "Output"}),
    "Map": frozenset(_COMMON | _FLOW | _IO | {
        "ItemsPath", "Items", "ItemSelector", "Parameters", "ItemProcessor", "Iterator",
        "ResultSelector", "ResultPath", "Retry", "Catch", "MaxConcurrency", "MaxConcurrencyPath",
        "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount",
        "ToleratedFailureCountPath", "ItemReader", "ResultWriter", "ItemBatcher", "Label",
        "Assign", "Output"}),
}

# Fields a state may carry only in one query language (asl-reference §5.1).
JSONPATH_ONLY_FIELDS = (
    "InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath",
    "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath", "ItemsPath",
    "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath",
    "ErrorPath", "CausePath",
)
JSONATA_ONLY_FIELDS = ("Arguments", "Output", "Items")

# Map fields that only a DISTRIBUTED Map may carry.
DISTRIBUTED_ONLY_FIELDS = ("ItemReader", "ResultWriter", "ItemBatcher", "Label")

RETRIER_FIELDS = frozenset({
    "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
    "JitterStrategy", "Comment"})
CATCHER_FIELDS = frozenset({"ErrorEquals", "Next", "ResultPath", "Comment", "Assign", "Output"})

# Choice rules (JSONPath mode): comparison operators and the type of their literal operand.
STRING_OPERATORS = (
    "StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals",
    "StringGreaterThanEquals", "StringMatches")
NUMERIC_OPERATORS = (
    "NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
    "NumericGreaterThanEquals")
BOOLEAN_OPERATORS = ("BooleanEquals",)
TIMESTAMP_OPERATORS = (
    "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals",
    "TimestampGreaterThanEquals")
TYPE_TEST_OPERATORS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")
PATH_OPERATORS = tuple(
    op + "Path"
    for op in STRING_OPERATORS[:-1] + NUMERIC_OPERATORS + BOOLEAN_OPERATORS + TIMESTAMP_OPERATORS)
COMPARISON_OPERATORS = frozenset(
    STRING_OPERATORS + NUMERIC_OPERATORS + BOOLEAN_OPERATORS + TIMESTAMP_OPERATORS
    + TYPE_TEST_OPERATORS + PATH_OPERATORS)
BOOLEAN_EXPRESSIONS = ("And", "Or", "Not")
RULE_FIELDS = frozenset({"Variable", "Next", "Comment", "Assign", "Output", "Condition"})

# Fail's ErrorPath / CausePath may be one of these intrinsics (they return a string).
STRING_INTRINSICS = frozenset({
    "States.Format", "States.JsonToString", "States.ArrayGetItem", "States.Base64Encode",
    "States.Base64Decode", "States.Hash", "States.UUID"})

ITEM_READER_FIELDS = frozenset({"Resource", "Parameters", "Arguments", "ReaderConfig"})
READER_CONFIG_FIELDS = frozenset({
    "InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath",
    "ItemsPointer", "ManifestType"})
RESULT_WRITER_FIELDS = frozenset({"Resource", "Parameters", "Arguments", "WriterConfig"})
ITEM_BATCHER_FIELDS = frozenset({
    "MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch",
    "MaxInputBytesPerBatchPath", "BatchInput"})
PROCESSOR_CONFIG_FIELDS = frozenset({"Mode", "ExecutionType"})

# Numeric limits (asl-reference §4, §6.2).
MAX_SECONDS = 99999999
MAX_DELAY_SECONDS = 31622400
MAX_STATE_NAME_LENGTH = 80
MAX_LABEL_LENGTH = 40
