"""Collision events: the event store, generators (Pythia 8, RAMBO), readers, features."""

from symvae.events.store import PARTICLE_FIELDS, Events, concatenate, read_events, write_events

__all__ = ["PARTICLE_FIELDS", "Events", "concatenate", "read_events", "write_events"]
