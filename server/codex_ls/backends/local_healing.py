"""Token healing (``healing.py``) on a llama.cpp model: its vocabulary's text, read once
per loaded model, and the logits processor that holds a generation to the removed text."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .healing import ForcedStart, Vocabulary

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def text_vocabulary(llm: Any) -> tuple[Vocabulary, int]:
    """The text of each token (none for control, user-defined, unused and unknown tokens), and the
    FIM middle marker (-1 if the model has none): what token healing needs, read once."""
    import llama_cpp

    vocab = llm._model.vocab
    not_text = (
        llama_cpp.LLAMA_TOKEN_ATTR_CONTROL
        | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED
        | llama_cpp.LLAMA_TOKEN_ATTR_UNUSED
        | llama_cpp.LLAMA_TOKEN_ATTR_UNKNOWN
    )
    size = 256
    buffer = ctypes.create_string_buffer(size)
    pieces = []
    for token in range(llama_cpp.llama_vocab_n_tokens(vocab)):
        length = llama_cpp.llama_token_to_piece(vocab, token, buffer, size, 0, False)
        text = not llama_cpp.llama_vocab_get_attr(vocab, token) & not_text
        pieces.append(buffer.raw[:length] if text and length > 0 else b"")
    return Vocabulary(pieces), int(llama_cpp.llama_vocab_fim_mid(vocab))


def held_to(
    forced: ForcedStart, vocabulary: Vocabulary, *, line: bool = False
) -> Callable[[Any, npt.NDArray[np.single]], Any]:
    """A logits processor that leaves only the tokens that agree with the rest of ``forced``
    (``line``: and do not break the line right after it, ``Vocabulary.allowed``)."""
    import numpy as np

    def constrain(_ids: Any, logits: npt.NDArray[np.single]) -> npt.NDArray[np.single]:
        if not forced.rest:
            return logits
        allowed = vocabulary.allowed(forced.rest, line=line)
        masked = np.full_like(logits, -np.inf)
        masked[allowed] = logits[allowed]
        return masked

    return constrain
