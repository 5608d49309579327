server {
	listen 80;
	listen [::]:80;
	server_name shop.example.com www.shop.example.com;

	include snippets/letsencrypt.conf;

	location / {
		return 301 https://shop.example.com$request_uri;
	}
}

server {
	listen 443 ssl http2;
	listen [::]:443 ssl http2;
	server_name shop.example.com;

	ssl_certificate /etc/letsencrypt/live/shop.example.com/fullchain.pem;
	ssl_certificate_key /etc/letsencrypt/live/shop.example.com/privkey.pem;
	include snippets/ssl-params.conf;
	include snippets/security-headers.conf;

	client_max_body_size 20m;

	location / {
		proxy_pass http://shop_app;
		proxy_http_version 1.1;
		proxy_set_header Connection "";
		proxy_set_header Host $host;
		proxy_set_header X-Real-IP $remote_addr;
		proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
		proxy_set_header X-Forwarded-Proto $scheme;
	}
}
