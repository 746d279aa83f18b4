"""The S3 double of the tests: moto's S3 server (real HTTP) on loopback; fixtures in tests/conftest.py."""

from __future__ import annotations

from typing import Any


class S3Double:
    """A moto S3 server on loopback with one empty bucket; ``env()`` points pyarrow, boto3, s3fs at it."""

    BUCKET = "enrich-test"

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )

    def object_keys(self) -> list[str]:
        """The bucket's objects, less the empty ``.../`` directory markers pyarrow leaves when it
        deletes the last file of a "directory" (no reader sees them as files)."""
        listed = self.client().list_objects_v2(Bucket=self.BUCKET).get("Contents", [])
        return sorted(str(o["Key"]) for o in listed if not str(o["Key"]).endswith("/"))
