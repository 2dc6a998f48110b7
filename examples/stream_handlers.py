"""Handlers for the stream-transformation example: `enrich_readings` stands in for a Lambda."""

# Which site each known sensor is installed at (a stand-in for a device directory).
SITES = {"sensor-17": "plant-a", "sensor-18": "plant-a", "sensor-40": "plant-b"}


class UnknownSensor(Exception):
    """A reading from a sensor the directory does not know."""


def enrich_readings(event, context):
    """Drop skipped records, add each reading's site and an alert flag."""
    readings = [r for r in event["readings"] if "skipped" not in r]
    enriched = []
    for reading in readings:
        site = SITES.get(reading["sensorId"])
        if site is None:
            raise UnknownSensor(f"no site for {reading['sensorId']}")
        enriched.append({**reading, "site": site, "alert": reading["temperature"] > 80})
    return {"batchId": event["batchId"], "skipped": len(event["readings"]) - len(readings),
            "readings": enriched}


handlers = {"enrich_readings": enrich_readings}
