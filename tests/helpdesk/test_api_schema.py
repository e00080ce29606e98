"""The OpenAPI schema is valid OpenAPI 3 and drf-spectacular has nothing to warn about (an undocumented field,
parameter or response would be a warning)."""

import yaml
from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert len(operations) > 80
    assert all("429" in op["responses"] and "401" in op["responses"] for op in operations)
