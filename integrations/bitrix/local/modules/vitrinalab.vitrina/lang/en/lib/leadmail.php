<?php

$MESS['VITRINALAB_VITRINA_LEAD_TYPE_NAME'] = 'Vitrina: an "order one like this" request';
$MESS['VITRINALAB_VITRINA_LEAD_TYPE_DESCRIPTION'] = "#LEAD_ID# — the request's number in Vitrina
#NAME# — the customer's name
#PHONE# — her phone
#COMMENT# — her comment
#PAGE_URL# — the page she sent it from
#PRODUCT_ID# — the sold-out product, when the request is about one
#SEARCH_ID# — the search's number in Vitrina
#LANGUAGE# — her language (ru, kk, en)
#CREATED_AT# — when she sent it
#PHOTO# — whether a photo is attached";
$MESS['VITRINALAB_VITRINA_LEAD_SUBJECT'] = '#SITE_NAME#: "order one like this", #NAME#, #PHONE#';
$MESS['VITRINALAB_VITRINA_LEAD_MESSAGE'] = "A customer left a request in the search by photo on #SITE_NAME#: she asks for a bouquet like the one she found.

Name: #NAME#
Phone: #PHONE#
Comment: #COMMENT#
Page: #PAGE_URL#
Product (sold out): #PRODUCT_ID#
Photo: #PHOTO#

Request #LEAD_ID# in Vitrina, #CREATED_AT#.
Sent automatically by the Vitrina module.";
