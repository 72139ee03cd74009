;;; codex-ls-explain.el --- codex-ls explanations, shown as the model writes them -*- lexical-binding: t; -*-

;; Author: codex-ls authors
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: tools, convenience
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; The explanation buffer of `codex-ls-mode' and of `codex-ls' (eglot).
;; `codex-ls-explain-request' asks the server's `codex/explain' with a
;; `partialResultToken'; the server then sends `$/progress' notifications
;; on that token, each holding the next words of the Markdown, before its
;; answer, which holds the whole of it.  Whoever reads the connection's
;; notifications hands them to `codex-ls-explain-partial', and the
;; *codex-ls explanation* buffer grows as the model writes.
;; `codex-ls-explain-functions' runs after each change of the buffer.

;;; Code:

(require 'cl-lib)
(require 'jsonrpc)
(require 'subr-x)

(defconst codex-ls-explain-buffer-name "*codex-ls explanation*"
  "The name of the buffer that shows explanations.")

(defvar codex-ls-explain-functions nil
  "Functions called with (BUFFER DONE) after the explanation buffer changed.
DONE is non-nil when the buffer holds the whole answer, nil while the
model is still writing it.")

(defvar codex-ls-explain--receivers (make-hash-table :test #'equal)
  "What receives the pieces of each explanation being written, by its token.")

(defvar codex-ls-explain--count 0 "Explanations asked for so far, for their tokens.")

(defun codex-ls-explain-show (markdown done)
  "Show MARKDOWN in the explanation buffer and return the buffer.
Text that only adds to what the buffer shows is appended, so point and
the window stay where they are.  DONE says whether MARKDOWN is the whole
answer (see `codex-ls-explain-functions')."
  (let ((buffer (get-buffer codex-ls-explain-buffer-name)))
    (unless buffer
      (setq buffer (get-buffer-create codex-ls-explain-buffer-name))
      (with-current-buffer buffer
        (cond ((fboundp 'gfm-view-mode) (gfm-view-mode))
              ((fboundp 'markdown-view-mode) (markdown-view-mode))
              (t (special-mode)))
        (visual-line-mode 1)))
    (with-current-buffer buffer
      (let ((inhibit-read-only t)
            (shown (buffer-substring-no-properties (point-min) (point-max))))
        (if (string-prefix-p shown markdown)
            (save-excursion
              (goto-char (point-max))
              (insert (substring markdown (length shown))))
          (erase-buffer)
          (insert markdown)
          (goto-char (point-min)))))
    (display-buffer buffer '(display-buffer-reuse-window display-buffer-pop-up-window))
    (run-hook-with-args 'codex-ls-explain-functions buffer done)
    buffer))

(defun codex-ls-explain-partial (token value)
  "Hand VALUE, a partial result on TOKEN, to the explanation it belongs to.
Return non-nil if TOKEN is an explanation's, nil for any other progress."
  (when-let ((receive (gethash token codex-ls-explain--receivers)))
    (let ((piece (plist-get value :markdown)))
      (when (stringp piece)
        (funcall receive piece)))
    t))

(defun codex-ls-explain-request (connection document range)
  "Ask CONNECTION to explain RANGE of DOCUMENT (a TextDocumentIdentifier).
The explanation buffer shows the words as the model writes them, then the
whole answer.  Return the request's partialResultToken."
  (let ((token (format "codex-explain-%d" (cl-incf codex-ls-explain--count)))
        (written ""))
    (puthash token
             (lambda (piece)
               (setq written (concat written piece))
               (codex-ls-explain-show written nil))
             codex-ls-explain--receivers)
    (jsonrpc-async-request
     connection :codex/explain
     (list :textDocument document :range range :partialResultToken token)
     :success-fn (lambda (answer)
                   (remhash token codex-ls-explain--receivers)
                   (let ((markdown (plist-get answer :markdown)))
                     (cond ((and (stringp markdown) (not (string-empty-p markdown)))
                            (codex-ls-explain-show markdown t))
                           ((string-empty-p written)
                            (message "No explanation from codex-ls for this code")))))
     ;; A cancelled or failed explanation: the server says why; what was written stays.
     :error-fn (lambda (error)
                 (remhash token codex-ls-explain--receivers)
                 (when (string-empty-p written)
                   (message "codex-ls: explain failed: %s" (plist-get error :message))))
     :timeout 300)
    token))

(provide 'codex-ls-explain)
;;; codex-ls-explain.el ends here
