"""Deployment backends (gateway, kubernetes, mlflow, command): the port and its plugins."""
