"""Model services and versions: deployment registry, traffic weights, target choice, backends."""
