"""Ended executions' records gathered per log stream for a `dir:` or `stdout` sink: one block
per threshold's worth, in order, and none left waiting longer than the writer's interval."""
from __future__ import annotations

import json
import time

import fastsfn
from fastsfn.logrecords import LineBatches

from .test_execution_logs import HANDLERS, PASS_ONLY, ROLE, logging_config


class Dropped:
    """A sink that drops what it is given (these tests read the records themselves)."""

    def write_blocks(self, log_group_name: str, log_stream_name: str, blocks: list) -> None:
        """Drop them."""

    def close(self) -> None:
        """Nothing to release."""


def _records(count: int) -> list:
    """The log records of `count` ended executions (ALL, with execution data)."""
    sfn = fastsfn.client(HANDLERS, log_sink=Dropped())
    arn = sfn.create_state_machine(name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE,
                                   type="EXPRESS",
                                   loggingConfiguration=logging_config("ALL"))["stateMachineArn"]
    runtime, machine = sfn.runtime, sfn.runtime.machines[arn]
    logs = []
    for n in range(count):
        execution = runtime.new_execution(machine, None, {"n": n, "pad": "x" * (n % 7) * 40})
        runtime.run_sync(machine, execution)
        logs.append(execution.log)
    sfn.close()
    return logs


def test_a_block_per_threshold_in_order():
    logs = _records(40)
    batches = LineBatches(threshold=4000)
    blocks = []
    waiting = 0
    for log in logs:
        block = batches.add("g", "s", log)
        waiting += len(log.lines())
        if block is None:
            assert waiting < 4000   # not yet: less than the threshold waits
        else:
            assert len(block[0]) == waiting >= 4000
            blocks.append(block)
            waiting = 0
    rest = batches.take_all()
    assert [(group, stream) for group, stream, _, _ in rest] == ([("g", "s")] if waiting else [])
    blocks += [(lines, count) for _, _, lines, count in rest]
    assert len(blocks) > 3
    assert b"".join(lines for lines, _ in blocks) == b"".join(log.lines() for log in logs)
    assert sum(count for _, count in blocks) == sum(log.count for log in logs)
    assert batches.take_all() == []   # taken: nothing waits


def test_streams_are_kept_apart():
    first, second = _records(2)
    batches = LineBatches()
    assert batches.add("g", "a", first) is None
    assert batches.add("g", "b", second) is None
    taken = {(group, stream): (lines, count) for group, stream, lines, count
             in batches.take_all()}
    assert taken == {("g", "a"): (first.lines(), first.count),
                     ("g", "b"): (second.lines(), second.count)}


def test_a_few_records_reach_the_file_without_a_flush(tmp_path):
    # Far below the threshold: the shipper's writer takes them on its next round.
    sfn = fastsfn.client(HANDLERS, log_sink=f"dir:{tmp_path}")
    arn = sfn.create_state_machine(name="m", definition=json.dumps(PASS_ONLY), roleArn=ROLE,
                                   type="EXPRESS",
                                   loggingConfiguration=logging_config("ALL"))["stateMachineArn"]
    try:
        sfn.start_sync_execution(stateMachineArn=arn, input='{"n": 1}')
        deadline = time.monotonic() + 5
        while True:   # the file is made before its lines are written: wait for the lines
            lines = [line for path in tmp_path.glob("*/*.log")
                     for line in path.read_text().splitlines()]
            if len(lines) >= 4 or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        assert [json.loads(line)["type"] for line in lines] == [
            "ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    finally:
        sfn.close()


def test_records_larger_than_the_threshold_come_back_at_once():
    logs = _records(5)
    batches = LineBatches(threshold=100)   # each execution's records pass it alone
    blocks = [batches.add("g", "s", log) for log in logs]
    assert [lines for lines, _ in blocks] == [log.lines() for log in logs]
    assert [count for _, count in blocks] == [log.count for log in logs]
    assert batches.take_all() == []
