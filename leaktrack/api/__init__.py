"""The JSON API's shared parts: health checks and the OpenAPI document."""
