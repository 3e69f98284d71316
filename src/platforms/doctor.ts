/** One line of `lianbao doctor`'s report. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}
