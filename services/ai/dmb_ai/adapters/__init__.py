"""The AI service's adapters: the chat model (any OpenAI-compatible endpoint)."""
