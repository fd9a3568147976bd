"""Offline training pipeline for the shipped speech-emotion model (see README.md and models/METADATA.md)."""
