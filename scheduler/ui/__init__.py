"""The Streamlit app's layer: shared state and charts (pages/ are the app's page scripts)."""
