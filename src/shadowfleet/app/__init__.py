"""The application layer: the one place the pipeline is composed; the CLI, the demo and the API call it."""
