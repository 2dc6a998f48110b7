"""TagResource, UntagResource, ListTagsForResource and CreateStateMachine's tags, over boto3.

AWS rules: a key has 1-128 characters, a value 0-256, a resource at most 50 tags; tagging a
key already there replaces its value; an unknown ARN is ResourceNotFound (naming the resource
in `resourceName`), a malformed one InvalidArn.
"""
from __future__ import annotations

import itertools

import pytest
from botocore.exceptions import ClientError

from .conftest import PASS, ROLE

SM = "arn:aws:states:us-east-1:123456789012:stateMachine:"
_names = itertools.count()


@pytest.fixture
def machine(sfn):
    """A fresh EXPRESS state machine's ARN."""
    return sfn.create_state_machine(name=f"tags-{next(_names)}", definition=PASS,
                                    roleArn=ROLE, type="EXPRESS")["stateMachineArn"]


def tags_of(sfn, arn):
    return sfn.list_tags_for_resource(resourceArn=arn)["tags"]


def code_of(e: pytest.ExceptionInfo) -> str:
    return e.value.response["Error"]["Code"]


def test_a_new_machine_has_no_tags(sfn, machine):
    assert tags_of(sfn, machine) == []


def test_create_with_tags(sfn):
    tags = [{"key": "team", "value": "iot"}, {"key": "env", "value": ""}]
    arn = sfn.create_state_machine(name="tags-created", definition=PASS, roleArn=ROLE,
                                   type="EXPRESS", tags=tags)["stateMachineArn"]
    assert tags_of(sfn, arn) == tags


def test_tag_adds_and_replaces_values(sfn, machine):
    sfn.tag_resource(resourceArn=machine, tags=[{"key": "a", "value": "1"},
                                                {"key": "b", "value": "2"}])
    sfn.tag_resource(resourceArn=machine, tags=[{"key": "a", "value": "one"},
                                                {"key": "c", "value": ""}])
    assert sorted((t["key"], t["value"]) for t in tags_of(sfn, machine)) == [
        ("a", "one"), ("b", "2"), ("c", "")]


def test_untag_removes_keys_and_ignores_unknown_ones(sfn, machine):
    sfn.tag_resource(resourceArn=machine, tags=[{"key": "a", "value": "1"},
                                                {"key": "b", "value": "2"}])
    sfn.untag_resource(resourceArn=machine, tagKeys=["a", "never-set"])
    assert tags_of(sfn, machine) == [{"key": "b", "value": "2"}]


def test_limits_of_key_and_value_length_are_allowed(sfn, machine):
    tag = {"key": "k" * 128, "value": "v" * 256}
    sfn.tag_resource(resourceArn=machine, tags=[tag])
    assert tags_of(sfn, machine) == [tag]


@pytest.mark.parametrize("tag, where", [
    ({"key": "k" * 129, "value": "v"}, "tags.1.member.key"),
    ({"key": "k", "value": "v" * 257}, "tags.1.member.value"),
])
def test_too_long_key_or_value(sfn, machine, tag, where):
    with pytest.raises(ClientError) as e:
        sfn.tag_resource(resourceArn=machine, tags=[tag])
    assert code_of(e) == "ValidationException"
    assert where in e.value.response["Error"]["Message"]
    assert tags_of(sfn, machine) == []


def test_empty_key_over_http(raw, sfn, machine):
    # boto3 rejects an empty key before sending; the server must reject it too.
    status, _, body = raw.call("TagResource", {"resourceArn": machine,
                                               "tags": [{"key": "", "value": "v"}]})
    assert status == 400 and body["__type"] == "ValidationException"
    assert "tags.1.member.key" in body["message"]
    assert tags_of(sfn, machine) == []


def test_fifty_tags_but_not_fifty_one(sfn, machine):
    sfn.tag_resource(resourceArn=machine,
                     tags=[{"key": f"k{i}", "value": "v"} for i in range(50)])
    sfn.tag_resource(resourceArn=machine, tags=[{"key": "k0", "value": "replaced"}])
    with pytest.raises(sfn.exceptions.TooManyTags) as e:
        sfn.tag_resource(resourceArn=machine, tags=[{"key": "k50", "value": "v"}])
    assert e.value.response["resourceName"] == machine
    tags = tags_of(sfn, machine)
    assert len(tags) == 50 and {"key": "k0", "value": "replaced"} in tags


def test_create_with_too_many_tags(sfn):
    with pytest.raises(sfn.exceptions.TooManyTags) as e:
        sfn.create_state_machine(name="tags-too-many", definition=PASS, roleArn=ROLE,
                                 type="EXPRESS",
                                 tags=[{"key": f"k{i}", "value": "v"} for i in range(51)])
    assert e.value.response["resourceName"] == SM + "tags-too-many"
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=SM + "tags-too-many")


# The three tagging operations, each called on `arn`.
TAG_CALLS = [
    lambda sfn, arn: sfn.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "b"}]),
    lambda sfn, arn: sfn.untag_resource(resourceArn=arn, tagKeys=["a"]),
    lambda sfn, arn: sfn.list_tags_for_resource(resourceArn=arn),
]


@pytest.mark.parametrize("arn", [SM + "tags-nobody", SM + "tags-0:1",
                                 "arn:aws:states:us-east-1:123456789012:activity:nobody"])
@pytest.mark.parametrize("call", TAG_CALLS, ids=["tag", "untag", "list"])
def test_unknown_resource(sfn, arn, call):
    with pytest.raises(sfn.exceptions.ResourceNotFound) as e:
        call(sfn, arn)
    assert e.value.response["Error"]["Message"] == f"Resource not found: '{arn}'"
    assert e.value.response["resourceName"] == arn


@pytest.mark.parametrize("arn", ["not-an-arn", "arn:aws:iam::123456789012:role/r",
                                 "arn:aws:states:us-east-1:123456789012:stateMachine"])
@pytest.mark.parametrize("call", TAG_CALLS, ids=["tag", "untag", "list"])
def test_malformed_arn(sfn, arn, call):
    with pytest.raises(sfn.exceptions.InvalidArn):
        call(sfn, arn)


def test_tags_are_gone_with_the_machine(sfn):
    arn = sfn.create_state_machine(name="tags-deleted", definition=PASS, roleArn=ROLE,
                                   type="EXPRESS", tags=[{"key": "a", "value": "1"}]
                                   )["stateMachineArn"]
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        tags_of(sfn, arn)
