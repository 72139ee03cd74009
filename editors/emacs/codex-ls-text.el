;;; codex-ls-text.el --- Answers of codex-ls to read, shown as the model writes them -*- lexical-binding: t; -*-

;; Author: codex-ls authors
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: tools, convenience
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; The explanation and translation buffers of `codex-ls-mode' and of
;; `codex-ls' (eglot).  `codex-ls-text-explain' asks the server's
;; `codex/explain', `codex-ls-text-translate' its `codex/translate', each
;; with a `partialResultToken'; the server then sends `$/progress'
;; notifications on that token, each holding the next words of the
;; explanation (or lines of the code), before its answer, which holds the
;; whole of it.  Whoever reads the connection's notifications hands them to
;; `codex-ls-text-partial', and the *codex-ls explanation* (or *codex-ls
;; translation*) buffer grows as the model writes.
;; `codex-ls-text-functions' runs after each change of such a buffer.

;;; Code:

(require 'cl-lib)
(require 'jsonrpc)
(require 'subr-x)

(defvar codex-ls-text-functions nil
  "Functions called with (BUFFER DONE) after an answer's buffer changed.
The buffer shows an explanation or a translation.  DONE is non-nil
when the buffer holds the whole answer, nil while the model is still
writing it.")

(cl-defstruct (codex-ls-text--view (:constructor codex-ls-text--view))
  "Where an answer to read is shown."
  buffer key what)

(defvar codex-ls-text--receivers (make-hash-table :test #'equal)
  "What receives the pieces of each answer being written, by its token.")

(defvar codex-ls-text--count 0 "Answers asked for so far, for their tokens.")

(defun codex-ls-text--markdown-mode ()
  "The Markdown view mode there is, else `special-mode'."
  (cond ((fboundp 'gfm-view-mode) (gfm-view-mode))
        ((fboundp 'markdown-view-mode) (markdown-view-mode))
        (t (special-mode)))
  (visual-line-mode 1))

(defun codex-ls-text--code-mode (language)
  "The major mode of LANGUAGE (an LSP language id), without its hooks.
The hooks are left out: they would start language servers and the like
for a buffer that visits no file."
  (let ((mode (intern-soft (format "%s-mode" language))))
    (when (and mode (fboundp mode) (not (eq major-mode mode)))
      (delay-mode-hooks (funcall mode))
      (font-lock-mode 1)
      (setq buffer-read-only t))))

(defun codex-ls-text-show (view text done &optional language)
  "Show TEXT in VIEW's buffer and return the buffer.
Text that only adds to what the buffer shows is appended, so point and
the window stay where they are.  DONE says whether TEXT is the whole
answer (see `codex-ls-text-functions'); LANGUAGE, the language id of
code, sets the buffer's major mode."
  (let ((buffer (get-buffer (codex-ls-text--view-buffer view))))
    (unless buffer
      (setq buffer (get-buffer-create (codex-ls-text--view-buffer view)))
      (with-current-buffer buffer
        (if (equal (codex-ls-text--view-key view) :markdown)
            (codex-ls-text--markdown-mode)
          (special-mode))))
    (with-current-buffer buffer
      (when language
        (codex-ls-text--code-mode language))
      (let ((inhibit-read-only t)
            (shown (buffer-substring-no-properties (point-min) (point-max))))
        (if (string-prefix-p shown text)
            (save-excursion
              (goto-char (point-max))
              (insert (substring text (length shown))))
          (erase-buffer)
          (insert text)
          (goto-char (point-min)))))
    (display-buffer buffer '(display-buffer-reuse-window display-buffer-pop-up-window))
    (run-hook-with-args 'codex-ls-text-functions buffer done)
    buffer))

(defun codex-ls-text-partial (token value)
  "Hand VALUE, a partial result on TOKEN, to the answer it belongs to.
Return non-nil if TOKEN is an answer's, nil for any other progress."
  (when-let ((receive (gethash token codex-ls-text--receivers)))
    (funcall receive value)
    t))

(defun codex-ls-text--request (connection method params view)
  "Ask CONNECTION's METHOD with PARAMS; show the answer in VIEW as it is written.
Return the request's partialResultToken."
  (let ((token (format "codex-read-%d" (cl-incf codex-ls-text--count)))
        (key (codex-ls-text--view-key view))
        (written ""))
    (puthash token
             (lambda (value)
               (let ((piece (plist-get value key)))
                 (when (and (stringp piece) (not (string-empty-p piece)))
                   (setq written (concat written piece))
                   (codex-ls-text-show view written nil))))
             codex-ls-text--receivers)
    (jsonrpc-async-request
     connection method (append params (list :partialResultToken token))
     :success-fn (lambda (answer)
                   (remhash token codex-ls-text--receivers)
                   (let ((text (plist-get answer key)))
                     (cond ((and (stringp text) (not (string-empty-p text)))
                            (codex-ls-text-show view text t (plist-get answer :languageId)))
                           ((string-empty-p written)
                            (message "No %s from codex-ls for this code" (codex-ls-text--view-what view))))))
     ;; Cancelled or failed: the server says why; what was written stays.
     :error-fn (lambda (error)
                 (remhash token codex-ls-text--receivers)
                 (when (string-empty-p written)
                   (message "codex-ls: %s failed: %s" (codex-ls-text--view-what view) (plist-get error :message))))
     :timeout 300)
    token))

(defun codex-ls-text-explain (connection document range)
  "Ask CONNECTION to explain RANGE of DOCUMENT (a TextDocumentIdentifier).
The *codex-ls explanation* buffer shows the words as the model writes
them, then the whole answer.  Return the request's partialResultToken."
  (codex-ls-text--request
   connection :codex/explain (list :textDocument document :range range)
   (codex-ls-text--view :buffer "*codex-ls explanation*" :key :markdown :what "explanation")))

(defun codex-ls-text-translate (connection document range target)
  "Ask CONNECTION to translate RANGE of DOCUMENT to TARGET.
DOCUMENT is a TextDocumentIdentifier.  The *codex-ls translation*
buffer shows the lines of code as the model writes them, then the whole
answer in the mode of its language.  Return the request's
partialResultToken."
  (codex-ls-text--request
   connection :codex/translate (list :textDocument document :range range :target target)
   (codex-ls-text--view :buffer "*codex-ls translation*" :key :code :what "translation")))

(provide 'codex-ls-text)
;;; codex-ls-text.el ends here
