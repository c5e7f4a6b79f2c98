"""The workload: what honest users do (deposits and withdrawals)."""
