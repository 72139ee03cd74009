;;; emacs_test_common.el --- what the scripted Emacs sessions share -*- lexical-binding: t; -*-

;; Loaded by emacs_session.el and emacs_mode_session.el: the result they record, written as
;; JSON to $CODEX_TEST_RESULT, and a bounded wait on the event loop.

(require 'json)
(require 'cl-lib)

(defvar codex-test-result nil "Alist of what each step saw.")

(defun codex-test-record (key value)
  (setq codex-test-result (cons (cons key value) (assq-delete-all key codex-test-result))))

(defun codex-test-write ()
  (with-temp-file (getenv "CODEX_TEST_RESULT")
    (insert (json-encode codex-test-result))))

(defun codex-test-wait (seconds condition)
  "Run the event loop until CONDITION returns non-nil, at most SECONDS; return its value."
  (let ((deadline (+ (float-time) seconds))
        value)
    (while (and (not (setq value (funcall condition))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    value))

(defun codex-test-streamed (key ask)
  "Call ASK, wait for the whole answer to read, and record it under KEY.
Also record KEY-changes: the answer's buffer's text at each change, and
whether it was the whole answer then (`codex-ls-text-functions'); and
KEY-mode, the buffer's major mode at the end."
  (let* ((changes nil)
         (record (lambda (buffer done)
                   (push (vector (with-current-buffer buffer
                                   (buffer-substring-no-properties (point-min) (point-max)))
                                 (if done t :json-false)
                                 (symbol-name (buffer-local-value 'major-mode buffer)))
                         changes))))
    (add-hook 'codex-ls-text-functions record)
    (unwind-protect
        (progn
          (funcall ask)
          (codex-test-wait 15 (lambda () (and changes (eq (aref (car changes) 1) t)))))
      (remove-hook 'codex-ls-text-functions record))
    (codex-test-record key (and changes (aref (car changes) 0)))
    (codex-test-record (intern (format "%s-mode" key)) (and changes (aref (car changes) 2)))
    (codex-test-record (intern (format "%s-changes" key)) (vconcat (reverse changes)))))

(provide (quote emacs_test_common))
;;; emacs_test_common.el ends here
