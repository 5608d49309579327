login-title = Iniciar sesión
login-password = Contraseña
login-password-placeholder = Introduce tu contraseña
password-reset-token-expired = El enlace para restablecer la contraseña ha caducado.
api-secret-key-warning = Copia tu clave secreta ahora: no se volverá a mostrar.
access-token-label = Token de acceso personal
