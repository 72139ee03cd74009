;;; emacs_mode_session.el --- a scripted Emacs session for tests/editors/test_emacs.py -*- lexical-binding: t; -*-

;; Run as `emacs --batch -Q -l editors/emacs/codex-ls-mode.el -l emacs_mode_session.el'.
;; Turns `codex-ls-mode' on in a Python buffer (with eglot running pylsp in the
;; same buffer when $CODEX_TEST_PYLSP names it), types, accepts through the
;; keys of `codex-ls-mode-suggestion-map', runs every code action, kills the
;; server while a suggestion is shown, and records what it saw in the JSON
;; file $CODEX_TEST_RESULT.  Keys are looked up in the active keymaps, as the
;; command loop would, and their commands called.  Every wait is bounded.

(load (expand-file-name "emacs_test_common.el" (file-name-directory (or load-file-name buffer-file-name))) nil t)

(defun codex-test-text ()
  (buffer-substring-no-properties (point-min) (point-max)))

(defun codex-test-line ()
  (buffer-substring-no-properties (line-beginning-position) (line-end-position)))

(defun codex-test-ghost ()
  "The ghost text shown at point, without its properties, or nil."
  (and codex-ls-mode--overlay
       (= (overlay-start codex-ls-mode--overlay) (point))
       (substring-no-properties (overlay-get codex-ls-mode--overlay 'after-string))))

(defun codex-test-type (text)
  "Insert TEXT one character at a time, letting the event loop run between keys."
  (dolist (char (string-to-list text))
    (insert char)
    (accept-process-output nil 0.03)))

(defun codex-test-key (key)
  "Run the command KEY is bound to now; return the command's name."
  (let ((command (key-binding (kbd key))))
    (setq last-command-event nil)
    (call-interactively command)
    (symbol-name command)))

(defun codex-test-settled ()
  "Wait until no inline request is in flight and a suggestion is shown; return the ghost text."
  (codex-test-wait 5 (lambda () (and (null codex-ls-mode--request-id) (null codex-ls-mode--timer)
                                     (codex-test-ghost)))))

(defun codex-test-model-calls ()
  "The server's count of model calls for completions so far."
  (or (plist-get (plist-get (jsonrpc-request codex-ls-mode--connection :codex/stats (make-hash-table))
                            :completions)
                 :model)
      0))

(defmacro codex-test-step (name &rest body)
  "Run BODY; record an error under NAME-error."
  (declare (indent 1))
  `(condition-case err
       (progn ,@body)
     (error (codex-test-record (intern (format "%s-error" ,name)) (error-message-string err)))))

(defun codex-test-setup ()
  (setq codex-ls-mode-settings
        `(:backend (:kind "openai" :url ,(getenv "CODEX_TEST_URL") :model "qwen2.5-coder-1.5b" :tuning (:maxRetries 0))
          :completion (:maxTokens 64)))
  (setq codex-ls-mode-program (getenv "CODEX_TEST_SERVER")
        codex-ls-mode-program-args (list "--log-file" (getenv "CODEX_TEST_SERVER_LOG") "--log-level" "debug"))
  (find-file (getenv "CODEX_TEST_FILE"))
  (when-let ((pylsp (getenv "CODEX_TEST_PYLSP")))
    (require 'eglot)
    (eglot '(python-mode) (project-current) 'eglot-lsp-server (list pylsp) "python")
    (codex-test-record 'eglot-connected
                       (and (codex-test-wait 30 (lambda () (and (eglot-current-server)
                                                                (bound-and-true-p eglot--managed-mode))))
                            t)))
  (codex-ls-mode 1)
  (codex-test-record 'major-mode (symbol-name major-mode))
  (codex-test-record 'language-id (codex-ls-mode--language-id))
  (codex-test-record 'connected (and (jsonrpc-running-p codex-ls-mode--connection) t))
  (codex-test-record 'mode-line (codex-ls-mode-line))
  (codex-test-record 'titles (vconcat (mapcar (lambda (a) (plist-get a :title)) (codex-ls-mode-actions))))
  (codex-test-record 'tab (symbol-name (key-binding (kbd "TAB")))))

(defun codex-test-ghost-and-accept ()
  ;; Line 2 is "    return a": type an operator.
  (goto-char (point-min))
  (forward-line 1)
  (end-of-line)
  (codex-test-type " * ")
  (codex-test-record 'ghost (codex-test-wait 10 #'codex-test-ghost))
  (codex-test-record 'ghost-keys (symbol-name (key-binding (kbd "M-RET"))))
  (codex-test-record 'accept-command (codex-test-key "M-RET"))
  (codex-test-record 'accepted-line (codex-test-line))
  (codex-test-record 'accepted-ghost (codex-test-ghost))
  (codex-test-record 'keys-after (symbol-name (key-binding (kbd "M-RET")))))

(defun codex-test-partial ()
  ;; A new function at the end: C-<right> takes a word, C-<down> a line, M-RET the rest.
  (goto-char (point-max))
  (codex-test-type "def area(w, h):\n    ")
  (codex-test-record 'partial-first (codex-test-wait 10 #'codex-test-ghost))
  (codex-test-record 'model-before-partial (codex-test-model-calls))
  (codex-test-record 'word-command (codex-test-key "C-<right>"))
  (codex-test-record 'word-line (codex-test-line))
  (codex-test-record 'word-at-once (codex-test-ghost))
  (codex-test-record 'word-settled (codex-test-settled))
  (codex-test-record 'line-command (codex-test-key "C-<down>"))
  (codex-test-record 'line-lines (vector (save-excursion (forward-line -1) (codex-test-line)) (codex-test-line)))
  (codex-test-record 'line-at-once (codex-test-ghost))
  (codex-test-record 'line-settled (codex-test-settled))
  (codex-test-record 'model-after-partial (codex-test-model-calls))
  (codex-test-key "M-RET")
  (codex-test-record 'partial-text (codex-test-text))
  (codex-test-wait 0.3 #'ignore)
  (codex-test-record 'partial-stats (jsonrpc-request codex-ls-mode--connection :codex/stats (make-hash-table))))

(defun codex-test-cycle-and-dismiss ()
  ;; Two alternatives (the scripted model gives one; these stand for a manual request's).
  (goto-char (point-max))
  (setq codex-ls-mode--items (list (list :text "first" :whole "first" :start (point) :end (point))
                                   (list :text "second" :whole "second" :start (point) :end (point)))
        codex-ls-mode--index 0)
  (codex-ls-mode--draw)
  (codex-test-record 'cycle-shown (codex-test-ghost))
  (codex-test-key "M-]")
  (codex-test-record 'cycle-next (codex-test-ghost))
  (codex-test-key "M-[")
  (codex-test-record 'cycle-previous (codex-test-ghost))
  (codex-test-record 'dismiss-command (codex-test-key "C-g"))
  (codex-test-record 'dismissed-ghost (codex-test-ghost))
  (codex-test-record 'dismiss-stats (jsonrpc-request codex-ls-mode--connection :codex/stats (make-hash-table))))

(defun codex-test-other-server ()
  ;; With ghost text shown, eglot's pylsp still answers xref and eldoc's hover.
  (goto-char (point-max))
  (codex-test-type "print(add(")
  (codex-test-record 'other-ghost (codex-test-wait 10 #'codex-test-ghost))
  ;; eglot sends its pending changes on a timer that batch mode does not run.
  (eglot--signal-textDocument/didChange)
  (let* ((backend (xref-find-backend))
         (definitions (save-excursion
                        (backward-char 2)
                        (xref-backend-definitions backend (xref-backend-identifier-at-point backend)))))
    (codex-test-record 'xref-backend (symbol-name backend))
    (codex-test-record 'xref-lines
                       (vconcat (mapcar (lambda (x) (xref-location-line (xref-item-location x))) definitions))))
  (let ((hover (save-excursion
                 (backward-char 2)
                 (jsonrpc-request (eglot-current-server) :textDocument/hover (eglot--TextDocumentPositionParams)))))
    (codex-test-record 'hover (format "%s" (plist-get (plist-get hover :contents) :value))))
  (codex-test-record 'other-ghost-after (codex-test-ghost))
  (codex-ls-mode-dismiss)
  (delete-region (line-beginning-position) (line-end-position)))

(defun codex-test-action (name command beg end &rest extra)
  "Run COMMAND on BEG..END as NAME and wait until the server answered it."
  (setq codex-ls-mode-last-action nil)
  (apply #'codex-ls-mode-run-action command beg end extra)
  (codex-test-record (intern (format "%s-busy" name))
                     (codex-test-wait 5 (lambda () (or codex-ls-mode-progress codex-ls-mode-last-action))))
  (codex-test-record (intern (format "%s-mode-line" name)) (codex-ls-mode-line))
  (codex-test-wait 15 (lambda () codex-ls-mode-last-action))
  (codex-test-record (intern (format "%s-done" name)) (format "%S" codex-ls-mode-last-action)))

(defun codex-test-actions ()
  (let* ((area (save-excursion (goto-char (point-min)) (search-forward "def area(r)") (line-beginning-position)))
         (area-end (save-excursion (goto-char area) (forward-line 1) (line-end-position)))
         (body (save-excursion (goto-char (point-min)) (search-forward "    ...") (line-beginning-position))))
    (codex-test-action "comments" "codex.addComments" area area)
    (codex-test-record 'comments-text (codex-test-text))
    (codex-test-action "explain" "codex.explain" area area-end)
    (codex-test-record 'explained (let ((b (cl-find-if (lambda (b) (string-suffix-p ".md" (or (buffer-file-name b) "")))
                                                       (buffer-list))))
                                    (and b (with-current-buffer b (codex-test-text)))))
    (codex-test-action "edit" "codex.edit" area area :instruction "use r ** 2")
    (codex-test-record 'edit-text (codex-test-text))
    (codex-test-action "docstring" "codex.addDocstring" area area)
    (codex-test-record 'docstring-text (codex-test-text))
    (setq body (save-excursion (goto-char (point-min)) (search-forward "    ...") (line-beginning-position)))
    (codex-test-action "implement" "codex.implement" (+ body 4) (+ body 4))
    (codex-test-record 'implement-text (codex-test-text))
    (codex-test-action "tests" "codex.addTests" area area)
    (codex-test-record 'tests-file
                       (let ((b (cl-find-if (lambda (b) (string-match-p "test_shapes\\.py\\'" (or (buffer-file-name b) "")))
                                            (buffer-list))))
                         (and b (with-current-buffer b (codex-test-text)))))
    (codex-test-action "bugs" "codex.findBugs" area area)
    (codex-test-record 'findings (format "%S" codex-ls-mode-findings))
    (codex-test-action "translate" "codex.translate" area area :target "go")
    (codex-test-record 'translated (let ((b (cl-find-if (lambda (b) (string-suffix-p ".go" (or (buffer-file-name b) "")))
                                                        (buffer-list))))
                                     (and b (with-current-buffer b (codex-test-text)))))))

(defun codex-test-streamed-answers ()
  ;; Explain and Translate by their titles: their buffers grow as the model writes.
  (let* ((area (save-excursion (goto-char (point-min)) (search-forward "def area(r)") (line-beginning-position)))
         (area-end (save-excursion (goto-char area) (forward-line 1) (line-end-position))))
    (codex-test-streamed 'streamed (lambda () (codex-ls-mode-action "Explain" area area-end)))
    (cl-letf (((symbol-function 'read-string) (lambda (&rest _) "javascript")))
      (codex-test-streamed 'streamed-code (lambda () (codex-ls-mode-action "Translate" area area-end))))))

(defun codex-test-kill ()
  ;; The server dies while a suggestion is shown: the ghost text goes, the text stays,
  ;; and the mode starts the server again with a message.
  (goto-char (point-max))
  (let ((old codex-ls-mode--connection)
        (start (with-current-buffer (messages-buffer) (point-max))))
    (codex-test-type "total = mul(")
    (codex-test-record 'kill-ghost (codex-test-wait 10 #'codex-test-ghost))
    (let ((before (codex-test-text)))
      (signal-process (process-id (jsonrpc--process old)) 'SIGKILL)
      (codex-test-wait 5 (lambda () (not (jsonrpc-running-p old))))
      (codex-test-wait 0.2 #'ignore)
      (codex-test-record 'kill-ghost-after (codex-test-ghost))
      (codex-test-record 'kill-text-kept (equal before (codex-test-text))))
    (codex-test-record 'kill-restarted
                       (and (codex-test-wait 10 (lambda () (and codex-ls-mode--connection
                                                                (not (eq codex-ls-mode--connection old))
                                                                (jsonrpc-running-p codex-ls-mode--connection))))
                            t))
    (codex-test-type ")")
    (delete-char -1)
    (codex-test-record 'kill-ghost-again (codex-test-wait 10 #'codex-test-ghost))
    (codex-test-record 'kill-messages (with-current-buffer (messages-buffer)
                                        (buffer-substring-no-properties start (point-max))))))

(defun codex-test-run ()
  (codex-test-step "setup" (codex-test-setup))
  (when (codex-ls-mode--connection)
    (codex-test-step "accept" (codex-test-ghost-and-accept))
    (codex-test-step "partial" (codex-test-partial))
    (codex-test-step "cycle" (codex-test-cycle-and-dismiss))
    (when (getenv "CODEX_TEST_PYLSP")
      (codex-test-step "other" (codex-test-other-server)))
    (codex-test-step "actions" (codex-test-actions))
    (codex-test-step "stream" (codex-test-streamed-answers))
    (codex-test-step "kill" (codex-test-kill))))

(condition-case err
    (with-timeout (150 (codex-test-record 'timed-out t))
      (codex-test-run))
  (error (codex-test-record 'error (error-message-string err))))
(codex-test-write)
(ignore-errors (codex-ls-mode-shutdown))
(ignore-errors (eglot-shutdown (eglot-current-server)))
(kill-emacs 0)
;;; emacs_mode_session.el ends here
