"""Differential tests: every op of rmlx.core against the real MLX on generated inputs."""
