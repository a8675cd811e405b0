"""The response use case: an opened incident is routed to a team, paged and escalated."""
