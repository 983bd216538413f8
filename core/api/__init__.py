"""The REST API for integrators: personal API tokens, the OpenAPI document, shared conventions and webhooks."""
