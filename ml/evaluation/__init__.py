"""How good the trained models are, beyond accuracy: speed, robustness to damaged photos, the
confidence thresholds that sort photos automatically, and what that sorting saves."""
