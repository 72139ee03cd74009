;;; emacs_session.el --- a scripted Emacs session for tests/editors/test_emacs.py -*- lexical-binding: t; -*-

;; Run as `emacs --batch -Q -l editors/emacs/codex-ls.el -l emacs_session.el'
;; (after the elpa directory is activated, see below).  Connects eglot to the
;; real codex-ls through the entry codex-ls.el put in `eglot-server-programs',
;; runs `completion-at-point' at the end of "    return " and of "    return a",
;; `codex-ls-explain' and `codex-ls-edit' if $CODEX_TEST_EXPLAIN and
;; $CODEX_TEST_EDIT are set, and records what it
;; saw in the JSON file $CODEX_TEST_RESULT.  Every wait is bounded.

(load (expand-file-name "emacs_test_common.el" (file-name-directory (or load-file-name buffer-file-name))) nil t)

(defun codex-test-buffer-text ()
  (buffer-substring-no-properties (point-min) (point-max)))

(defun codex-test-run ()
  (setq codex-ls-settings
        `(:backend (:kind "openai" :url ,(getenv "CODEX_TEST_URL") :model "qwen2.5-coder-1.5b" :tuning (:maxRetries 0))
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
        (let ((beg (line-beginning-position 0)) (end (line-end-position)))
          (codex-test-streamed 'explanation (lambda () (codex-ls-explain beg end)))
          (codex-test-streamed 'translation (lambda () (codex-ls-translate beg end "JavaScript"))))
      (error (codex-test-record 'explain-error (error-message-string err)))))
  (when (getenv "CODEX_TEST_EDIT")
    ;; Lines 1-2, the function add(), with an instruction as the minibuffer would give it.
    (condition-case err
        (let ((before (codex-test-buffer-text)))
          (codex-ls-edit (point-min) (save-excursion (goto-char (point-min)) (line-end-position 2))
                         "use the built-in sum")
          (codex-test-wait 10 (lambda () (not (equal before (codex-test-buffer-text)))))
          (codex-test-record 'edited (codex-test-buffer-text)))
      (error (codex-test-record 'edit-error (error-message-string err)))))
  (when (getenv "CODEX_TEST_RECOVER")
    (condition-case err
        (codex-test-recover)
      (error (codex-test-record 'recover-error (error-message-string err))))))

(defun codex-test-type (text)
  "Insert TEXT one character at a time, letting the event loop run between keys."
  (dolist (char (string-to-list text))
    (insert char)
    (accept-process-output nil 0.06)))

(defun codex-test-recover ()
  "SIGKILL the server in the middle of typing a new last line; eglot must connect again.
The buffer must keep exactly what was typed, and completion must work again."
  (let* ((old (eglot-current-server))
         (pid (process-id (jsonrpc--process old)))
         (messages-start (with-current-buffer (messages-buffer) (point-max))))
    ;; eglot reconnects only after a connection that lasted `eglot-autoreconnect' seconds.
    (codex-test-wait 10 (lambda () (not (eglot--inhibit-autoreconnect old))))
    ;; An explanation the model is slow to give: the server is busy when it is killed.
    (jsonrpc-async-request old :codex/explain
                           (list :textDocument (eglot--TextDocumentIdentifier)
                                 :range (codex-ls--range (point-min) (point-min)))
                           :success-fn #'ignore :error-fn #'ignore)
    (codex-test-wait 10 (lambda () (equal (plist-get codex-ls-status :state) "busy")))
    (codex-test-record 'recover-busy-mode-line (codex-ls-mode-line))
    (goto-char (point-max))
    (codex-test-record 'recover-before (codex-test-buffer-text))
    (codex-test-type "tot")
    (codex-test-record 'recover-killed (= 0 (signal-process pid 'SIGKILL)))
    (codex-test-type "al = mu")
    (codex-test-record
     'recover-reconnected
     (and (codex-test-wait 20 (lambda ()
                                (let ((server (eglot-current-server)))
                                  (and server (not (eq server old)) (jsonrpc-running-p server)
                                       (bound-and-true-p eglot--managed-mode)))))
          t))
    (codex-test-type "l(")
    (codex-test-record 'recover-candidates
                       (vconcat (let ((capf (eglot-completion-at-point)))
                                  (and capf (all-completions "" (nth 2 capf))))))
    (codex-test-record 'recover-after (codex-test-buffer-text))
    (codex-test-record 'recover-mode-line (codex-ls-mode-line))
    (codex-test-record 'recover-messages
                       (with-current-buffer (messages-buffer)
                         (buffer-substring-no-properties messages-start (point-max))))))

(condition-case err
    (with-timeout (60 (codex-test-record 'timed-out t))
      (codex-test-run))
  (error (codex-test-record 'error (error-message-string err))))
(codex-test-write)
(ignore-errors (eglot-shutdown (eglot-current-server)))
(kill-emacs 0)
;;; emacs_session.el ends here
