"""Public keys written as the PEM files ``cosign_public_keys`` names."""

from cryptography.hazmat.primitives import serialization


def pem_file(tmp_path, key, name='cosign.pub'):
    """The path of a PEM file holding the public half of *key*."""
    path = tmp_path / name
    path.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo))
    return str(path)
