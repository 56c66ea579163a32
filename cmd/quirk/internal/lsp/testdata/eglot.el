;;; eglot.el --- drive Emacs's eglot against quirk lsp, in batch mode  -*- lexical-binding: t -*-
;; Opens $QUIRK_EMACS_SCRIPT, waits for flymake diagnostics from quirk lsp,
;; asks for code actions on the QK5001 finding, applies "Disable QK5001 on
;; this line" and waits for the finding to go. What eglot saw is written as
;; JSON to $QUIRK_EMACS_OUT for the Go test.
(require 'package)
(package-initialize)
(require 'eglot)
(require 'json)

(defvar quirk-out (list (cons 'error nil)))

(defun quirk-wait (pred secs)
  "Process input and timers until PRED holds or SECS pass."
  (let ((deadline (+ (float-time) secs)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (funcall pred)))

(defun quirk-diags ()
  (mapcar (lambda (d)
            (let ((lsp (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d)))))
              (list (cons 'code (plist-get lsp :code))
                    (cons 'line (line-number-at-pos (flymake-diagnostic-beg d)))
                    ;; characters from the line start (current-column would
                    ;; count the emoji's display width)
                    (cons 'col (save-excursion (goto-char (flymake-diagnostic-beg d))
                                               (- (point) (line-beginning-position))))
                    (cons 'text (flymake-diagnostic-text d)))))
          (flymake-diagnostics)))

(defun quirk-has (code)
  (cl-some (lambda (d) (equal (cdr (assoc 'code d)) code)) (quirk-diags)))

(condition-case err
    (let ((bin (getenv "QUIRK_BIN")))
      (setq eglot-sync-connect t)
      (find-file (getenv "QUIRK_EMACS_SCRIPT"))
      (sh-mode)
      (eglot '(sh-mode) (cons 'transient default-directory) 'eglot-lsp-server (list bin "lsp") "sh")
      (flymake-start)
      (unless (quirk-wait (lambda () (quirk-has "QK5001")) 20)
        (error "no QK5001 from quirk lsp in 20s: %S" (quirk-diags)))
      (push (cons 'before (quirk-diags)) quirk-out)
      (let* ((diag (cl-find-if (lambda (d) (equal (plist-get (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d))) :code) "QK5001"))
                               (flymake-diagnostics)))
             (actions (eglot-code-actions (flymake-diagnostic-beg diag) (flymake-diagnostic-end diag)))
             (disable (cl-find-if (lambda (a) (string-prefix-p "Disable QK5001 on this line" (plist-get a :title))) actions)))
        (push (cons 'actions (mapcar (lambda (a) (plist-get a :title)) actions)) quirk-out)
        (unless disable (error "no disable action in %S" actions))
        (eglot--apply-workspace-edit (plist-get disable :edit))
        ;; In batch mode Emacs is never idle, so the idle timers that send
        ;; didChange and re-run flymake do not fire; do what they would.
        (eglot--signal-textDocument/didChange)
        (flymake-start))
      (push (cons 'lines (split-string (buffer-substring-no-properties (point-min) (point-max)) "\n")) quirk-out)
      (unless (quirk-wait (lambda () (and (not (quirk-has "QK5001")) (quirk-has "QK5008"))) 20)
        (error "QK5001 still shown after the disable action: %S" (quirk-diags)))
      (push (cons 'after (quirk-diags)) quirk-out))
  (error (setf (alist-get 'error quirk-out) (error-message-string err))))

(with-temp-file (getenv "QUIRK_EMACS_OUT")
  (insert (json-encode quirk-out)))
(kill-emacs 0)
