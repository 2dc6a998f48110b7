"""Generated ids (UUID-shaped, unique in a process, different in a forked child) and the
dates responses carry."""
import os
import random
import uuid
from datetime import datetime, timezone

from fastsfn.responses import utc_datetime
from fastsfn.ids import new_uuid


def test_ids_are_version_4_uuids_and_unique():
    ids = [new_uuid() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:5] + ids[-5:]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4


def test_a_forked_child_gets_a_new_prefix():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:   # the child: report one id and leave at once
        os.write(write, new_uuid().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child[:24] != new_uuid()[:24]


def test_utc_datetime_matches_fromtimestamp():
    rng = random.Random(7)
    epochs = [0.0, -1.5, 1_700_000_000.9999996, 1_700_000_000.0000004, 951_782_400.5,  # Feb 29
              4_102_444_799.999999]
    epochs += [round(rng.uniform(-2e9, 4e9), rng.choice((0, 3, 6, 7))) for _ in range(20_000)]
    for epoch in epochs:
        got, want = utc_datetime(epoch), datetime.fromtimestamp(epoch, timezone.utc)
        assert got == want and got.tzinfo is timezone.utc, epoch
