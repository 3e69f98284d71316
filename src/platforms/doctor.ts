/** One line of `lianbao doctor`'s report. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** passes, but the operator should act soon (printed WARN; `doctor` still exits 0) */
  warn?: boolean;
}
