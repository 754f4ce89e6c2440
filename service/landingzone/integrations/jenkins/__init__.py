"""Jenkins adapter: folders, build and promote pipelines, first builds (PipelineServer)."""
