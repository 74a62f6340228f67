"""Collision events: the event store, generators (Pythia 8, RAMBO), readers, features
(the ``events.root`` file: :mod:`symvae.outputs.events`)."""

from symvae.events.store import PARTICLE_FIELDS, Events, concatenate

__all__ = ["PARTICLE_FIELDS", "Events", "concatenate"]
