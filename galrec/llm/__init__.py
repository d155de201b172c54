"""The language-model side of GAL-Rec: backbones, prompts and placeholder splicing.

``galrec.model`` builds on three seams (docs/design-interfaces.md): ``load_backbone`` gives a
``Backbone`` that pools ``inputs_embeds`` into one vector per prompt, ``PromptBuilder`` turns
users and items into padded token batches with placeholder slots, and ``splice`` writes the
mapped external embeddings into those slots.
"""
