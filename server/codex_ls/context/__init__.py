"""What the model is shown: windows around the cursor, FIM templates, prompts."""
