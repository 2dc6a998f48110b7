"""Handlers for the IoT ingestion example: `enrich` stands in for a Lambda function."""


def enrich(event, context):
    """Classify a normalised reading."""
    level = "alert" if event["temperature"] > 80 else "normal"
    return {"level": level, "site": "plant-a", "device": event["deviceId"]}


handlers = {"enrich": enrich}
