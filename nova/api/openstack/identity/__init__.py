"""A minimal Keystone v3 facade: password tokens with a service catalog."""
