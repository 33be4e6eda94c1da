-- Vitrina outbox for MySQL/MariaDB (what Bitrix runs on). Installer::install() runs the same DDL.
-- Times are unix seconds (INT): compared in SQL without time-zone surprises between PHP and MySQL.
CREATE TABLE IF NOT EXISTS vitrina_outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  event_id CHAR(36) NOT NULL,
  event_type VARCHAR(32) NOT NULL,
  product_id INT NOT NULL,
  occurred_at INT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'pending',
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at INT NOT NULL,
  lock_token CHAR(32) NULL,
  locked_until INT NULL,
  last_http_status INT NULL,
  last_error TEXT NULL,
  response_action VARCHAR(16) NULL,
  finished_at INT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY ux_vitrina_outbox_event (event_id),
  KEY ix_vitrina_outbox_due (status, next_attempt_at),
  KEY ix_vitrina_outbox_product (product_id, status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
