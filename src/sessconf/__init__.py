"""sessconf: clinic scheduling sessions as code — lint, plan and apply YAML to a store."""

__version__ = "0.1.0"
