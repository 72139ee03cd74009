;;; emacs_session.el --- a scripted Emacs session for tests/editors/test_emacs.py -*- lexical-binding: t; -*-

;; Run as `emacs --batch -Q -l editors/emacs/codex-ls.el -l emacs_session.el'
;; (after the elpa directory is activated, see below).  Connects eglot to the
;; real codex-ls through the entry codex-ls.el put in `eglot-server-programs',
;; runs `completion-at-point' at the end of "    return " and of "    return a",
;; `codex-ls-explain' and `codex-ls-edit' if $CODEX_TEST_EXPLAIN and
;; $CODEX_TEST_EDIT are set, and records what it
;; saw in the JSON file $CODEX_TEST_RESULT.  Every wait is bounded.

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

(defun codex-test-buffer-text ()
  (buffer-substring-no-properties (point-min) (point-max)))

(defun codex-test-run ()
  (setq codex-ls-settings
        `(:backend (:kind "openai" :url ,(getenv "CODEX_TEST_URL") :model "qwen2.5-coder-1.5b" :maxRetries 0)
          :completion (:maxTokens 64)))
  (setq codex-ls-program (getenv "CODEX_TEST_SERVER")
        codex-ls-program-args (list "--log-file" (getenv "CODEX_TEST_SERVER_LOG") "--log-level" "debug"))
  ;; Batch mode has no user to answer y-or-n-p: accept server-initiated edits.
  (setq eglot-confirm-server-initiated-edits nil)
  (find-file (getenv "CODEX_TEST_FILE"))
  (codex-test-record 'major-mode (symbol-name major-mode))
  ;; `eglot-ensure' waits for a command loop that batch mode never runs: connect
  ;; directly, with what eglot guesses from `eglot-server-programs' as M-x eglot would.
  (let ((guess (eglot--guess-contact)))
    (codex-test-record 'contact (format "%S" (nth 3 guess)))
    (apply #'eglot guess))
  (codex-test-record
   'connected
   (and (codex-test-wait 20 (lambda () (and (eglot-current-server) (bound-and-true-p eglot--managed-mode))))
        t))
  (let ((server (eglot-current-server)))
    (codex-test-record 'server-name (plist-get (eglot--server-info server) :name))
    (codex-test-record 'mode-line (codex-ls-mode-line)))
  ;; Line 2 is "    return ": complete at its end.
  (goto-char (point-min))
  (forward-line 1)
  (end-of-line)
  (codex-test-record 'before (codex-test-buffer-text))
  (let* ((capf (eglot-completion-at-point))
         (table (nth 2 capf))
         (candidates (all-completions "" table)))
    (codex-test-record 'candidates (vconcat candidates)))
  (completion-at-point)
  (codex-test-record 'after (codex-test-buffer-text))
  (codex-test-record 'point (list (line-number-at-pos) (current-column)))
  ;; Line 5 is "    return a": complete right after a word.
  (goto-char (point-min))
  (forward-line 4)
  (end-of-line)
  (let* ((capf (eglot-completion-at-point))
         (table (nth 2 capf)))
    (codex-test-record 'mid-word-candidates
                       (vconcat (all-completions (buffer-substring-no-properties (nth 0 capf) (nth 1 capf))
                                                 table))))
  (completion-at-point)
  (codex-test-record 'mid-word-after (codex-test-buffer-text))
  (when (getenv "CODEX_TEST_EXPLAIN")
    (condition-case err
        (let ((buffer (codex-ls-explain (line-beginning-position 0) (line-end-position))))
          (codex-test-record 'explanation (and buffer (with-current-buffer buffer (codex-test-buffer-text)))))
      (error (codex-test-record 'explain-error (error-message-string err)))))
  (when (getenv "CODEX_TEST_EDIT")
    ;; Lines 1-2, the function add(), with an instruction as the minibuffer would give it.
    (condition-case err
        (let ((before (codex-test-buffer-text)))
          (codex-ls-edit (point-min) (save-excursion (goto-char (point-min)) (line-end-position 2))
                         "use the built-in sum")
          (codex-test-wait 10 (lambda () (not (equal before (codex-test-buffer-text)))))
          (codex-test-record 'edited (codex-test-buffer-text)))
      (error (codex-test-record 'edit-error (error-message-string err))))))

(condition-case err
    (with-timeout (60 (codex-test-record 'timed-out t))
      (codex-test-run))
  (error (codex-test-record 'error (error-message-string err))))
(codex-test-write)
(ignore-errors (eglot-shutdown (eglot-current-server)))
(kill-emacs 0)
;;; emacs_session.el ends here
