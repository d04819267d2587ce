// Accounts and sessions.
import { openApiApp } from '../../define-route.ts';
import { register } from './register.ts';
import { login } from './login.ts';
import { me } from './me.ts';
import { refresh } from './refresh.ts';
import { logout } from './logout.ts';
import { forgotPassword } from './forgot-password.ts';
import { resetPassword } from './reset-password.ts';
import { changePassword } from './change-password.ts';
import { verifyEmail } from './verify-email.ts';
import { verifyEmailResend } from './verify-email-resend.ts';

export const authRoutes = openApiApp()
  .openapi(register.route, register.handler)
  .openapi(login.route, login.handler)
  .openapi(me.route, me.handler)
  .openapi(refresh.route, refresh.handler)
  .openapi(logout.route, logout.handler)
  .openapi(forgotPassword.route, forgotPassword.handler)
  .openapi(resetPassword.route, resetPassword.handler)
  .openapi(changePassword.route, changePassword.handler)
  .openapi(verifyEmail.route, verifyEmail.handler)
  .openapi(verifyEmailResend.route, verifyEmailResend.handler);
