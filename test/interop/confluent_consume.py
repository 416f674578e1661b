"""Reads Avro records with Confluent's own Python client, as a SIEM team's tooling would.

Usage: confluent_consume.py <bootstrap> <registry-url> <topic> <count>
Prints one JSON object per record: {"key": ..., "schema_id": ..., "value": {...}}, with
timestamp-millis fields as epoch milliseconds so they compare with what was produced.
"""

import datetime
import json
import sys

from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext


def plain(value):
    if isinstance(value, datetime.datetime):
        return round(value.timestamp() * 1000)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def main():
    bootstrap, registry_url, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    deserializer = AvroDeserializer(SchemaRegistryClient({"url": registry_url}))
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"interop-{topic}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    seen = 0
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=60)
    try:
        while seen < count and datetime.datetime.now() < deadline:
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error():
                raise RuntimeError(str(message.error()))
            raw = message.value()
            value = deserializer(raw, SerializationContext(topic, MessageField.VALUE))
            print(
                json.dumps(
                    {
                        "key": message.key().decode("utf-8") if message.key() else None,
                        "partition": message.partition(),
                        "schema_id": int.from_bytes(raw[1:5], "big"),
                        "value": plain(value),
                    }
                ),
                flush=True,
            )
            seen += 1
    finally:
        consumer.close()
    if seen < count:
        sys.exit(f"only {seen} of {count} records arrived within 60 s")


if __name__ == "__main__":
    main()
