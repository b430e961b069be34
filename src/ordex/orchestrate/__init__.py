"""Orchestrate: exception cases, holds and releases, and commands to the ERP."""
