#!/usr/bin/env python3
"""Writes tokenizer.json (Hugging Face `tokenizers` format) from sp.model.

The Rust side reads tokenizer.json with the `tokenizers` crate; this script is how it was
made from the SentencePiece model that ships with the encoder. It mirrors `tokenizers`'
SentencePieceUnigramTokenizer.from_spm (the nmt_nfkc precompiled charsmap, runs of spaces
folded, the U+2581 metaspace with a dummy prefix) and adds what SentencePiece does besides:
leading and trailing spaces dropped, <s> and </s> around every sentence, control pieces never
chosen from the text. tests/semantic.rs checks the result against the `sentencepiece`
library's ids on the fixture sentences.

    pip install sentencepiece protobuf tokenizers
    python3 models/usem3/make_tokenizer.py
"""
import os

import sentencepiece.sentencepiece_model_pb2 as pb
from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram

HERE = os.path.dirname(os.path.abspath(__file__))

m = pb.ModelProto()
with open(os.path.join(HERE, "sp.model"), "rb") as f:
    m.ParseFromString(f.read())
assert m.trainer_spec.model_type == 1, "not a unigram model"
spec = m.normalizer_spec
assert spec.add_dummy_prefix and spec.remove_extra_whitespaces and spec.escape_whitespaces

NORMAL, UNKNOWN, CONTROL, USER_DEFINED = 1, 2, 3, 4
# A control piece (<s>, </s>) is never produced from the text in SentencePiece: give it a
# score no segmentation would pick.
vocab = [
    (p.piece, -1e9 if p.type == CONTROL else p.score) for p in m.pieces
]
tok = Tokenizer(Unigram(vocab, m.trainer_spec.unk_id, False))
tok.normalizer = normalizers.Sequence(
    [
        normalizers.Precompiled(spec.precompiled_charsmap),
        normalizers.Replace(Regex(" {2,}"), " "),
        normalizers.Strip(),
    ]
)
tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
bos, eos = m.pieces[m.trainer_spec.bos_id].piece, m.pieces[m.trainer_spec.eos_id].piece
tok.post_processor = processors.TemplateProcessing(
    single=f"{bos} $A {eos}",
    special_tokens=[(bos, m.trainer_spec.bos_id), (eos, m.trainer_spec.eos_id)],
)
tok.save(os.path.join(HERE, "tokenizer.json"))
print("wrote tokenizer.json:", len(vocab), "pieces")
